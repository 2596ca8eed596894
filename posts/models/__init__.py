from .catalogue import Post, PostType
from .evaluation import Audience, CheckUp, Grade, Rating, Training, WorkReport, grade_for
from .feedback import Feedback, FeedbackKind, FeedbackState
from .workflow import (
    HOLDING,
    SERVED,
    STAGE_ORDER,
    Assignment,
    AssignmentLog,
    Meeting,
    MeetingKind,
    Notice,
    Objection,
    Round,
    RoundLog,
    Source,
    Stage,
    Status,
    TransitionError,
)

__all__ = [
    "HOLDING", "STAGE_ORDER", "Assignment", "AssignmentLog", "Audience", "CheckUp", "Feedback", "FeedbackKind",
    "FeedbackState", "Grade", "Meeting", "MeetingKind",
    "Notice", "Objection", "Post", "PostType", "Rating", "Round", "RoundLog", "SERVED", "Source", "Stage", "Status",
    "Training", "TransitionError", "WorkReport", "grade_for",
]  # fmt: skip
