from django.http import Http404


def product_detail(request, article_number):
    raise Http404
