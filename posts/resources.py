"""Posts, assignments and ratings as spreadsheet rows with Chinese headers."""

from import_export import fields, resources

from jinchen.xlsx import DATE, DECIMAL, NUMBER

from .models import Assignment, Post, Rating


class PostResource(resources.ModelResource):
    grid = fields.Field(column_name="网格", attribute="grid__name", readonly=True)
    name = fields.Field(column_name="岗位名称", attribute="name")
    post_type = fields.Field(column_name="岗位类型", attribute="post_type__name", readonly=True)
    places = fields.Field(column_name="职数", attribute="places", widget=NUMBER)
    duties = fields.Field(column_name="工作责任", attribute="duties")
    basis = fields.Field(column_name="设岗依据", readonly=True)

    class Meta:
        model = Post
        fields = ("grid", "name", "post_type", "places", "duties", "basis")
        export_order = fields

    def dehydrate_basis(self, post):
        needs = [n.issue for n in post.needs.all()]
        return "；".join(needs + ([f"设岗理由：{post.reason}"] if post.reason else []))


class AssignmentResource(resources.ModelResource):
    grid = fields.Field(column_name="网格", attribute="post__grid__name", readonly=True)
    post = fields.Field(column_name="岗位", attribute="post__name", readonly=True)
    member = fields.Field(column_name="党员", attribute="member__name", readonly=True)
    source = fields.Field(column_name="申报方式", attribute="get_source_display", readonly=True)
    rank = fields.Field(column_name="志愿顺序", attribute="rank", widget=NUMBER)
    recommended_by = fields.Field(column_name="推荐人", attribute="recommended_by")
    status = fields.Field(column_name="状态", attribute="status_label", readonly=True)
    letter_signed_on = fields.Field(column_name="承诺书签订日期", attribute="letter_signed_on", widget=DATE)
    contact = fields.Field(column_name="联系人", attribute="contact__name", readonly=True)

    class Meta:
        model = Assignment
        fields = ("grid", "post", "member", "source", "rank", "recommended_by", "status", "letter_signed_on", "contact")
        export_order = fields


class RatingResource(resources.ModelResource):
    grid = fields.Field(column_name="网格", attribute="assignment__post__grid__name", readonly=True)
    member = fields.Field(column_name="党员", attribute="assignment__member__name", readonly=True)
    post = fields.Field(column_name="岗位", attribute="assignment__post__name", readonly=True)
    period = fields.Field(column_name="评议期间", attribute="period")
    org_score = fields.Field(column_name="组织评分", attribute="org_score", widget=NUMBER)
    peer_score = fields.Field(column_name="党员评分", attribute="peer_score", widget=NUMBER)
    resident_score = fields.Field(column_name="群众评分", attribute="resident_score", widget=NUMBER)
    score = fields.Field(column_name="综合得分", attribute="score", widget=DECIMAL)
    grade = fields.Field(column_name="评定等次", attribute="get_grade_display", readonly=True)
    comment = fields.Field(column_name="评语", attribute="comment")
    rated_on = fields.Field(column_name="评议日期", attribute="rated_on", widget=DATE)

    class Meta:
        model = Rating
        fields = (
            "grid",
            "member",
            "post",
            "period",
            "org_score",
            "peer_score",
            "resident_score",
            "score",
            "grade",
            "comment",
            "rated_on",
        )
        export_order = fields
