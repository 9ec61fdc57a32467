from django.apps import AppConfig


class DictionaryConfig(AppConfig):
    name = "dictionary"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import cache, models

        # A deployment runs ``migrate``: pages rendered by the previous templates are forgotten.
        post_migrate.connect(cache.invalidate, sender=self, dispatch_uid="dictionary-cache-migrate")
        # Edits in Django admin; bulk writes (the importer) invalidate explicitly.
        for model in (
            models.DictionaryVersion,
            models.Register,
            models.Variable,
            models.Granularity,
            models.Modality,
        ):
            post_save.connect(
                cache.invalidate, sender=model, dispatch_uid=f"dictionary-cache-{model.__name__}"
            )
            post_delete.connect(
                cache.invalidate, sender=model, dispatch_uid=f"dictionary-cache-del-{model.__name__}"
            )
