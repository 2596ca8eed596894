"""Members and needs as spreadsheet rows with Chinese headers (django-import-export resources)."""

from import_export import fields, resources

from jinchen.xlsx import DATE

from . import idcard
from .models import Member, NeedRecord


def yes_no(value):
    return "是" if value else "否"


class MemberResource(resources.ModelResource):
    village = fields.Field(column_name="村", attribute="grid__village__name", readonly=True)
    grid = fields.Field(column_name="所在网格", attribute="grid__name", readonly=True)
    name = fields.Field(column_name="姓名", attribute="name")
    gender = fields.Field(column_name="性别", attribute="get_gender_display", readonly=True)
    ethnicity = fields.Field(column_name="民族", attribute="ethnicity")
    id_number = fields.Field(column_name="公民身份号码", attribute="id_number")
    birth_date = fields.Field(column_name="出生日期", attribute="birth_date", widget=DATE)
    phone = fields.Field(column_name="联系电话", attribute="phone")
    education = fields.Field(column_name="文化程度", attribute="get_education_display", readonly=True)
    joined_on = fields.Field(column_name="入党时间", attribute="joined_on", widget=DATE)
    membership = fields.Field(column_name="党员类别", attribute="get_membership_display", readonly=True)
    full_member_on = fields.Field(column_name="转为正式党员日期", attribute="full_member_on", widget=DATE)
    standing = fields.Field(column_name="党籍状态", attribute="get_standing_display", readonly=True)
    address = fields.Field(column_name="家庭住址", attribute="address")
    specialties = fields.Field(column_name="特长", readonly=True)
    health = fields.Field(column_name="身体状况", attribute="get_health_display", readonly=True)
    cadre_post = fields.Field(column_name="现任村干部职务", attribute="get_cadre_post_display", readonly=True)
    is_away = fields.Field(column_name="长期外出", readonly=True)
    away_to = fields.Field(column_name="外出流向", attribute="away_to")
    is_lost = fields.Field(column_name="失联党员", readonly=True)
    lost_contact_on = fields.Field(column_name="失去联系日期", attribute="lost_contact_on", widget=DATE)
    is_willing = fields.Field(column_name="愿意参加设岗定责", readonly=True)
    eligibility = fields.Field(column_name="设岗条件", readonly=True)
    note = fields.Field(column_name="备注", attribute="note")

    class Meta:
        model = Member
        fields = (
            "village",
            "grid",
            "name",
            "gender",
            "ethnicity",
            "id_number",
            "birth_date",
            "phone",
            "education",
            "joined_on",
            "membership",
            "full_member_on",
            "standing",
            "address",
            "specialties",
            "health",
            "cadre_post",
            "is_away",
            "away_to",
            "is_lost",
            "lost_contact_on",
            "is_willing",
            "eligibility",
            "note",
        )
        export_order = fields

    # Exports leave the office on USB sticks and in e-mail: ID numbers and phones are always masked.
    def dehydrate_id_number(self, member):
        return idcard.mask(member.id_number)

    def dehydrate_phone(self, member):
        return idcard.mask_phone(member.phone)

    def dehydrate_specialties(self, member):
        return "、".join(s.name for s in member.specialties.all())

    def dehydrate_is_away(self, member):
        return yes_no(member.is_away)

    def dehydrate_is_lost(self, member):
        return yes_no(member.is_lost)

    def dehydrate_is_willing(self, member):
        return yes_no(member.is_willing)

    def dehydrate_eligibility(self, member):
        return "；".join(member.ineligibility_reasons()) or "符合"


class NeedRecordResource(resources.ModelResource):
    village = fields.Field(column_name="村", attribute="grid__village__name", readonly=True)
    grid = fields.Field(column_name="所在网格", attribute="grid__name", readonly=True)
    recorded_on = fields.Field(column_name="调查日期", attribute="recorded_on", widget=DATE)
    method = fields.Field(column_name="调查方式", attribute="get_method_display", readonly=True)
    participants = fields.Field(column_name="参与人员", attribute="participants")
    issue = fields.Field(column_name="群众反映的问题或意见", attribute="issue")
    category = fields.Field(column_name="问题类别", attribute="get_category_display", readonly=True)
    kind = fields.Field(column_name="问题性质", attribute="get_kind_display", readonly=True)

    class Meta:
        model = NeedRecord
        fields = ("village", "grid", "recorded_on", "method", "participants", "issue", "category", "kind")
        export_order = fields
