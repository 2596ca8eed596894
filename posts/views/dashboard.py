from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from tablib import Dataset

from grids.access import (
    get_grid_for_user,
    villages_for_user,
)
from jinchen.xlsx import xlsx_response

from .. import dashboard


def dashboard_scope(request):
    """(villages queryset, town or None, village or None, grid or None) from ?town=, ?village= or ?grid=.

    Access is part of the villages query itself (read scope): no extra query, and a 404 outside it.
    """
    mine = villages_for_user(request.user)
    for key in ("grid", "village", "town"):
        value = request.GET.get(key, "")
        if value.isdigit():
            if key == "grid":
                grid = get_grid_for_user(request.user, value)
                return mine.filter(pk=grid.village_id), None, grid.village, grid
            villages = mine.filter(**({"pk": value} if key == "village" else {"town": value}))
            return villages, key == "town", None, None
    raise Http404


def board_scope(villages, town_level):
    """(villages with their rounds, the town or village the board is about); 404 when there is none."""
    villages = dashboard.villages_of(villages)
    if not villages:
        raise Http404
    return villages, villages[0].town if town_level else villages[0]


def dashboard_page(request, villages, town_level):
    villages, scope = board_scope(villages, town_level)
    town, village = (scope, None) if town_level else (None, scope)
    scope_query = f"town={town.pk}" if town else f"village={village.pk}"

    def body():
        context = dashboard_context(dashboard.build(villages), town, village, scope_query)
        return render_to_string("posts/_dashboard_body.html", context)

    # The figures of these villages, as everyone in scope reads them, kept until something they count changes.
    html = mark_safe(dashboard.kept_body(villages, scope_query, body))  # the project's own template  # noqa: S308
    context = {
        "town": town,
        "village": village,
        "scope_query": scope_query,
        "body": html,
        "requests": request_rows(dashboard.request_figures(villages), villages, town),
        "points": point_rows(dashboard.point_figures(villages), villages, town),
    }
    return render(request, "posts/dashboard.html", context)


def request_rows(board, villages, town):
    """(rows, total) of the requests' table: [(name, figures, list URL)] per village of a town, per grid of a
    village; each figure opens the request list it counts."""
    if town:
        rows = [(v.name, board.villages[v.pk], f"{reverse('posts:requests')}?village={v.pk}&") for v in villages]
        total_url = f"{reverse('posts:requests')}?town={town.pk}&"
    else:
        rows = [(g.name, f, f"{reverse('posts:grid-requests', args=[g.pk])}?") for g, f in board.grids]
        total_url = f"{reverse('posts:requests')}?village={villages[0].pk}&"
    return {"rows": rows, "total": board.total, "total_url": total_url, "unit": "村" if town else "网格"}


def point_rows(figures, villages, town):
    """积分 by village of a town or by grid of a village: [(name, figures, grid points page or "", "none" list)]."""
    total, by_village, grids = figures
    none_url = reverse("posts:points-none")
    if town:
        rows = [(v.name, by_village[v.pk], "", f"{none_url}?village={v.pk}") for v in villages]
        total_url = f"{none_url}?town={town.pk}"
    else:
        rows = [(g.name, f, reverse("posts:grid-points", args=[g.pk]), f"{none_url}?grid={g.pk}") for g, f in grids]
        total_url = f"{none_url}?village={villages[0].pk}"
    return {"rows": rows, "total": total, "total_url": total_url, "unit": "村" if town else "网格"}


@login_required
def town_dashboard(request, pk):
    return dashboard_page(request, villages_for_user(request.user).filter(town=pk), town_level=True)


@login_required
def village_dashboard(request, pk):
    return dashboard_page(request, villages_for_user(request.user).filter(pk=pk), town_level=False)


def dashboard_context(board, town, village, scope_query):
    """The page's tables and the charts' data (labels, values and where a click leads)."""
    members = reverse("posts:dashboard-members")
    if town:
        units = [
            (v.village.name, v.figures, reverse("posts:village-dashboard", args=[v.village.pk])) for v in board.villages
        ]
    else:
        units = [(g.grid.name, g.figures, f"{members}?grid={g.grid.pk}&figure=on_post") for g in board.grids]
    grade_values = [(value, label, n) for value, label, n in board.total.grade_list if n]
    charts = {
        "participation": {
            "kind": "bar",
            "unit": "%",
            "labels": [name for name, _, _ in units],
            "values": [f.rate for _, f, _ in units],
            "links": [url for _, _, url in units],
        },
        "ratings": {
            "kind": "pie",
            "labels": [label for _, label, _ in grade_values],
            "values": [n for _, _, n in grade_values],
            "links": [f"{members}?{scope_query}&figure=grade-{value}" for value, _, _ in grade_values],
            "colours": [dashboard.GRADE_COLOURS[value] for value, _, _ in grade_values],
        },
    }
    if town:
        stages = board.stages
        charts["stages"] = {
            "kind": "bar",
            "unit": "个村",
            "labels": [s for s, _ in stages],
            "values": [n for _, n in stages],
            "links": [],
        }
    return {
        "board": board,
        "town": town,
        "village": village,
        "charts": charts,
        "scope_query": scope_query,
        "columns": dashboard.COLUMNS,
        "coverage": board.coverage_rows(by_village=bool(town)),
        "figure_links": {"members", "eligible", "on_post", "adjusted"},
    }


@login_required
def dashboard_members(request):
    """The members behind a number of the dashboard."""
    villages, town_level, village, grid = dashboard_scope(request)
    figure = request.GET.get("figure", "")
    try:
        title, rows = dashboard.members_behind(figure, villages, grid)
    except KeyError:
        raise Http404 from None
    villages = list(villages.select_related("town")[:2])
    if not villages:
        raise Http404
    where = str(grid) if grid else (villages[0].town.name if town_level else villages[0].name)
    context = {
        "title": f"{where}：{title}",
        "rows": rows,
        "village": village or (None if town_level else villages[0]),
        "grid": grid,
        "town": villages[0].town if town_level else None,
    }
    return render(request, "posts/dashboard_members.html", context)


@login_required
def dashboard_export(request):
    """What the dashboard shows, as .xlsx: one row per village (town) or per grid (village), and the total."""
    villages, town_level, _, _ = dashboard_scope(request)
    villages, scope = board_scope(villages, town_level=bool(town_level))
    headers, rows = dashboard.export_table(dashboard.build(villages), by_village=bool(town_level))
    dataset = Dataset(*rows, headers=headers)
    return xlsx_response(dataset, f"{scope.name}设岗定责工作看板", "工作看板")
