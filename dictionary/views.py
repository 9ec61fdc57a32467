"""The public dictionary browser: no login needed (seed 000: the dictionary makes the platform
transparent and lets researchers check a project's feasibility before they apply).

Pages come from the page cache (``dictionary.cache``) and are rendered once per state of the
dictionary, with a constant handful of queries whatever the number of rows listed. The views hand
lazy objects to ``TemplateResponse``, so that a partial (the htmx search results) queries only
what it shows.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.functional import SimpleLazyObject

from . import cache, selectors
from .forms import SearchForm
from .models import Granularity, Padlock, Register, Variable
from .presentation import recode_table, rule_text

PAGE_SIZE = 25


def _context(**lazy) -> dict:
    context = {"padlocks": Padlock}
    context.update({name: SimpleLazyObject(build) for name, build in lazy.items()})
    return context


@cache.dictionary_page
def index(request):
    registers = SimpleLazyObject(lambda: list(selectors.registers_with_counts()))
    form = SearchForm(request.GET or None, registers=registers)

    def page():
        filters = form.filters() if request.GET else {}
        variables = selectors.search_variables(**filters, with_modalities=False)
        return Paginator(variables, PAGE_SIZE).get_page(request.GET.get("page"))

    context = _context(page=page)
    context.update({"form": form, "registers": registers})
    template = (
        "dictionary/index.html#results"
        if request.htmx and not request.htmx.boosted
        else "dictionary/index.html"
    )
    return TemplateResponse(request, template, context)


@cache.dictionary_page
def register_detail(request, code):
    register = Register.objects.filter(code=code).first()
    if register is None:
        raise Http404("no such register")

    def page():
        variables = selectors.search_variables(
            register=register, include_inactive=True, with_modalities=False
        )
        return Paginator(variables, 50).get_page(request.GET.get("page"))

    return TemplateResponse(request, "dictionary/register.html", {**_context(page=page), "register": register})


@cache.dictionary_page
def variable_detail(request, register, name):
    if not Variable.objects.filter(register__code=register, name=name).exists():
        raise Http404("no such variable")

    def variable():
        return selectors.get_variable(register, name)

    def codings():
        v = context["variable"]
        granularities = list(v.granularities.all())
        detailed = next((g for g in granularities if g.kind == Granularity.Kind.DETAILED), None)
        order = {Granularity.Kind.DEFAULT: 0, Granularity.Kind.DETAILED: 1, Granularity.Kind.CUSTOM: 2}
        return [
            {
                "granularity": g,
                "modalities": list(g.modalities.all()),
                "rule_text": rule_text(g.recode) if g.kind != Granularity.Kind.DETAILED else "",
                "table": recode_table(g, detailed) if g.kind != Granularity.Kind.DETAILED else [],
                "is_proposed": g == v.default_granularity,
            }
            for g in sorted(granularities, key=lambda g: (order.get(g.kind, 3), g.code))
        ]

    context = _context(variable=variable, codings=codings)
    context["name"] = name
    return TemplateResponse(request, "dictionary/variable.html", context)


@cache.dictionary_page
def versions(request):
    context = _context(versions=lambda: list(selectors.versions()))
    return TemplateResponse(request, "dictionary/versions.html", context)
