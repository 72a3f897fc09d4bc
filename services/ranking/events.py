"""The events the ranking service emits: their names and the schemas it owns."""
from marshmallow import Schema, fields

from services.common.events import EventSchema

SCORE_RULES_CHANGED = "score_rules_changed"
RANKING_APPROVED = "ranking_approved"
RANKING_PUBLISHED = "ranking_published"


class ScoreRulesChanged(EventSchema):
    """A new version of the score rules is in force from the next computation;
    `changes` is {field: [old value, new value]}."""

    version = fields.Integer(required=True)
    previous_version = fields.Integer(required=True)
    changes = fields.Dict(required=True)
    changed_by = fields.String(required=True)
    note = fields.String(allow_none=True)


class ListedUnit(Schema):
    unit = fields.String(required=True)
    name = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)


class RankedUnit(Schema):
    unit = fields.String(required=True)
    name = fields.String(required=True)
    rank = fields.Integer(allow_none=True, required=True)
    previous_rank = fields.Integer(allow_none=True, required=True)
    rank_change = fields.Integer(allow_none=True, required=True)
    score = fields.Float(allow_none=True, required=True)
    red_items = fields.Integer(required=True)


class GroupRanking(Schema):
    group = fields.String(required=True)
    label = fields.String(required=True)
    entries = fields.List(fields.Nested(RankedUnit), required=True)
    red_list = fields.List(fields.Nested(ListedUnit), required=True)
    black_list = fields.List(fields.Nested(ListedUnit), required=True)


class RankingApproved(EventSchema):
    period = fields.String(required=True)
    approved_by = fields.String(required=True)


class RankingPublished(EventSchema):
    """A period's ranking and its red and black lists are public from now on."""

    period = fields.String(required=True)
    label = fields.String(required=True)  # 2026年第四季度
    as_of = fields.String(required=True)
    rules_version = fields.Integer(required=True)
    published_by = fields.String(required=True)
    groups = fields.List(fields.Nested(GroupRanking), required=True)


SCHEMAS = {
    SCORE_RULES_CHANGED: ScoreRulesChanged,
    RANKING_APPROVED: RankingApproved,
    RANKING_PUBLISHED: RankingPublished,
}
