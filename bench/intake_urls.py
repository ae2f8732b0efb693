"""The platform's URLs plus the baseline: a minimal POST that inserts one row."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from lacs.urls import urlpatterns as platform


@csrf_exempt
def minimal_post(request):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_minimal (day) VALUES (current_date)")
    return HttpResponse("ok")


urlpatterns = [path("bench/minimal/", minimal_post), *platform]
