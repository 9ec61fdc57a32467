from django.shortcuts import render

from .models import Register


def index(request):
    return render(request, "dictionary/index.html", {"registers": Register.objects.all()})
