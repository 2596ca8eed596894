"""The "摸清底数" figures the plan asks the survey to find, for any set of members and needs.

Each figure is an aggregate in the database; the number of queries does not depend on how many
members or needs there are.
"""

import datetime

from django.db.models import Count, Q

from .models import (
    AGE_BANDS,
    ELIGIBILITY_RULES,
    Education,
    Gender,
    Member,
    Membership,
    NeedCategory,
    NeedKind,
    NeedRecord,
    age_band_label,
    age_band_q,
    count_subquery,
    eligible_q,
)


def share(n, total):
    return round(100 * n / total) if total else 0


def rows(counts, choices, total, eligible=None):
    """Label, count, percentage (and eligible count) for every choice, in the choice order, zeros included."""
    return [
        {
            "label": label,
            "n": counts.get(value, 0),
            "pct": share(counts.get(value, 0), total),
            "eligible": (eligible or {}).get(value, 0),
        }
        for value, label in choices
    ]


def member_figures(members, today=None):
    today = today or datetime.date.today()
    eligible = eligible_q()
    aggregates = {
        "total": Count("pk"),
        "eligible": Count("pk", filter=eligible),
        "full": Count("pk", filter=Q(membership=Membership.FULL)),
        "probationary": Count("pk", filter=Q(membership=Membership.PROBATIONARY)),
        "female": Count("pk", filter=Q(gender=Gender.FEMALE)),
    }
    for rule in ELIGIBILITY_RULES:
        aggregates[f"rule_{rule.key}"] = Count("pk", filter=rule.excludes)
    for i, (low, high) in enumerate(AGE_BANDS):
        aggregates[f"age_{i}"] = Count("pk", filter=age_band_q(low, high, today))
        aggregates[f"age_eligible_{i}"] = Count("pk", filter=age_band_q(low, high, today) & eligible)
    figures = members.order_by().aggregate(**aggregates)
    total = figures["total"]
    education = dict(members.order_by().values_list("education").annotate(n=Count("pk")))
    education_eligible = dict(members.eligible().order_by().values_list("education").annotate(n=Count("pk")))
    through = Member.specialties.through.objects
    specialties = (
        through.filter(member__in=members.values("pk"))
        .values_list("specialty__name")
        .annotate(n=Count("pk"), eligible=Count("pk", filter=Q(member__in=members.eligible().values("pk"))))
        .order_by("-n", "specialty__name")
    )
    return {
        "total": total,
        "eligible": figures["eligible"],
        "eligible_pct": share(figures["eligible"], total),
        "ineligible": total - figures["eligible"],
        "full": figures["full"],
        "probationary": figures["probationary"],
        "female": figures["female"],
        "male": total - figures["female"],
        "reasons": [
            {"label": rule.label, "n": figures[f"rule_{rule.key}"], "pct": share(figures[f"rule_{rule.key}"], total)}
            for rule in ELIGIBILITY_RULES
        ],
        "education": rows(education, Education.choices, total, eligible=education_eligible),
        "ages": [
            {
                "label": age_band_label(low, high),
                "n": figures[f"age_{i}"],
                "pct": share(figures[f"age_{i}"], total),
                "eligible": figures[f"age_eligible_{i}"],
            }
            for i, (low, high) in enumerate(AGE_BANDS)
        ],
        "specialties": [
            {"label": name, "n": n, "pct": share(n, total), "eligible": n_eligible}
            for name, n, n_eligible in specialties
        ],
    }


def need_figures(needs):
    total = needs.count()
    by_category = dict(needs.order_by().values_list("category").annotate(n=Count("pk")))
    by_kind = dict(needs.order_by().values_list("kind").annotate(n=Count("pk")))
    return {
        "total": total,
        "categories": rows(by_category, NeedCategory.choices, total),
        "kinds": rows(by_kind, NeedKind.choices, total),
    }


def with_counts(qs, outer):
    """Annotate villages or grids with their member, eligible-member and need counts."""
    return qs.annotate(
        member_count=count_subquery(Member.objects.all(), outer),
        eligible_count=count_subquery(Member.objects.filter(eligible_q()), outer),
        need_count=count_subquery(NeedRecord.objects.all(), outer),
    )
