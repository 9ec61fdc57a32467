"""Account views. (Being built out: sign-up, verification, activation, two-factor.)"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def signup(request):
    return HttpResponse("sign-up")


@login_required
def profile(request):
    return HttpResponse("profile")


@login_required
def otp_setup(request):
    return HttpResponse("otp setup")


@login_required
def otp_verify(request):
    return HttpResponse("otp verify")
