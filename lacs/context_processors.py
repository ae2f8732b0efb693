from lacs.access import user_roles


def navigation(request):
    """The roles of the signed-in user, for the navigation bar."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None and user.is_authenticated else set()
    return {"lacs_roles": roles}
