"""Who may see and do what. Department-scoped: another department's draft does not exist for you (404)."""

from django.db.models import Q, QuerySet

from disclosures.models import Department, DepartmentRole, Disclosure


def is_admin(user) -> bool:
    """管理员: a superuser."""
    return bool(user and user.is_authenticated and user.is_superuser)


def department_ids(user, role: str | None = None) -> set[int]:
    if not (user and user.is_authenticated):
        return set()
    roles = DepartmentRole.objects.filter(user=user)
    if role:
        roles = roles.filter(role=role)
    return set(roles.values_list("department_id", flat=True))


def visible_disclosures(user, queryset: QuerySet | None = None) -> QuerySet:
    """Published versions for everyone; drafts and review states only for staff of the department (or admins)."""
    queryset = Disclosure.objects.all() if queryset is None else queryset
    if is_admin(user):
        return queryset
    published = Q(status=Disclosure.Status.PUBLISHED)
    if not (user and user.is_authenticated and user.is_staff):
        return queryset.filter(published)
    return queryset.filter(published | Q(unit__department_id__in=department_ids(user)))


def reviewable_disclosures(user, queryset: QuerySet | None = None) -> QuerySet:
    """What a staff user may open in its review version: its departments' disclosures, in any state."""
    queryset = Disclosure.objects.all() if queryset is None else queryset
    if is_admin(user):
        return queryset
    if not (user and user.is_authenticated and user.is_staff):
        return queryset.none()
    return queryset.filter(unit__department_id__in=department_ids(user))


def visible_departments(user) -> QuerySet:
    if is_admin(user):
        return Department.objects.all()
    return Department.objects.filter(pk__in=department_ids(user))


def may_file(user, disclosure: Disclosure) -> bool:
    """填报人 of the disclosure's department (or an admin), whatever the disclosure's status."""
    return is_admin(user) or disclosure.unit.department_id in department_ids(user, DepartmentRole.Role.FILER)


def can_edit(user, disclosure: Disclosure) -> bool:
    """填报人 of the department edits drafts and returned versions; nobody edits anything else."""
    if disclosure.status not in (Disclosure.Status.DRAFT, Disclosure.Status.RETURNED):
        return False
    return may_file(user, disclosure)


def can_review(user, disclosure: Disclosure) -> bool:
    """审核人 of the department (or an admin) comments, returns, approves and publishes."""
    return is_admin(user) or disclosure.unit.department_id in department_ids(user, DepartmentRole.Role.REVIEWER)
