from core.access import navigation_for, navigation_groups_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": []}
    return {"nav_items": navigation_for(user), "nav_groups": navigation_groups_for(user)}
