from django.shortcuts import render


def home(request):
    """The landing page: what the platform is, and where each person starts."""
    return render(request, "ui/home.html")
