from lacs.access import user_roles
from lacs.navigation import sections_for


def navigation(request):
    """The signed-in user's roles, and the sections whose pages they may open."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None and user.is_authenticated else set()
    return {"lacs_roles": roles, "lacs_sections": sections_for(user)}
