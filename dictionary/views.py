"""The public dictionary browser: no login needed (seed 000: the dictionary makes the platform
transparent and lets researchers check a project's feasibility before they apply)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from . import selectors
from .forms import SearchForm
from .models import Granularity, Padlock, Register, Variable
from .presentation import recode_table, rule_text

PAGE_SIZE = 25


def index(request):
    registers = list(selectors.registers_with_counts())
    form = SearchForm(request.GET or None, registers=registers)
    filters = form.filters() if request.GET else {"query": "", "register": None, "padlock": None, "domain": None}
    variables = selectors.search_variables(**filters, with_modalities=False)
    page = Paginator(variables, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form, "registers": registers, "page": page, "filtered": any(v not in (None, "") for v in filters.values()),
        "total": sum(r.variable_count for r in registers), "padlocks": Padlock,
    }
    template = "dictionary/index.html#results" if request.htmx and not request.htmx.boosted else "dictionary/index.html"
    return render(request, template, context)


def register_detail(request, code):
    register = get_object_or_404(Register, code=code)
    variables = selectors.search_variables(register=register, include_inactive=True, with_modalities=False)
    page = Paginator(variables, 50).get_page(request.GET.get("page"))
    return render(request, "dictionary/register.html", {"register": register, "page": page})


def variable_detail(request, register, name):
    try:
        variable = selectors.get_variable(register, name)
    except Variable.DoesNotExist:
        raise Http404("no such variable") from None
    granularities = list(variable.granularities.all())
    detailed = next((g for g in granularities if g.kind == Granularity.Kind.DETAILED), None)
    order = {Granularity.Kind.DEFAULT: 0, Granularity.Kind.DETAILED: 1, Granularity.Kind.CUSTOM: 2}
    codings = [{
        "granularity": g,
        "modalities": list(g.modalities.all()),
        "rule_text": rule_text(g.recode) if g.kind != Granularity.Kind.DETAILED else "",
        "table": recode_table(g, detailed) if g.kind != Granularity.Kind.DETAILED else [],
        "is_proposed": g == variable.default_granularity,
    } for g in sorted(granularities, key=lambda g: (order.get(g.kind, 3), g.code))]
    return render(request, "dictionary/variable.html", {
        "variable": variable, "codings": codings, "padlocks": Padlock,
    })


def versions(request):
    return render(request, "dictionary/versions.html", {"versions": selectors.versions()})
