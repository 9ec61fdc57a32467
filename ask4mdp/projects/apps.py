from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "ask4mdp.projects"
    label = "projects"
