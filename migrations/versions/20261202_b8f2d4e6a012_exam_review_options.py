"""exam review options: when trainees see their responses, the marks, the correct answers and the feedback

Replaces exams.review_policy (score / answers / feedback, each shown as soon as an attempt was graded) with four
settings, each one of immediately / after_last_attempt / after_close / after_last_attempt_and_close / never.

Mapping of existing exams. Today's meaning is kept, except that the correct answers and the feedback never reach
a trainee before their last attempt (the answer key used to be shown before the retake):

    old policy   responses    marks        correct answers      feedback
    score        never        never        never                never
    answers      immediately  immediately  after_last_attempt   never
    feedback     immediately  immediately  after_last_attempt   after_last_attempt

"after_last_attempt" (no attempt left, or passed) rather than the stricter default for new exams
(after_last_attempt_and_close) so that a trainee who saw the key after a final attempt still does; coordinators
can tighten it in the exam settings. Any other old value gets the new columns' server defaults (the strict ones).

Downgrade is lossy (the old column has no timing): answers and feedback both shown at some point -> feedback;
answers shown at some point -> answers; otherwise -> score. It never shows more than the new settings allowed
at some point, but the old code shows it at once.

SQLite: the columns are dropped in place (ALTER TABLE ... DROP COLUMN, SQLite 3.35+), never by recreating
the table. The app turns foreign keys on for every SQLite connection, and dropping the old exams table during a
batch recreate would cascade and delete every attempt, rule and extra-time row of every exam.

Revision ID: b8f2d4e6a012
Revises: a7e1c3d5f901
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8f2d4e6a012'
down_revision = 'a7e1c3d5f901'
branch_labels = None
depends_on = None

PARTS = ('review_responses', 'review_marks', 'review_answers', 'review_feedback')
DEFAULTS = {'review_responses': 'immediately', 'review_marks': 'immediately',
            'review_answers': 'after_last_attempt_and_close', 'review_feedback': 'after_last_attempt_and_close'}
UPGRADE = {  # old policy -> responses, marks, answers, feedback
    'score': dict(responses='never', marks='never', answers='never', feedback='never'),
    'answers': dict(responses='immediately', marks='immediately', answers='after_last_attempt', feedback='never'),
    'feedback': dict(responses='immediately', marks='immediately', answers='after_last_attempt',
                     feedback='after_last_attempt'),
}


def upgrade():
    with op.batch_alter_table('exams', schema=None, recreate='never') as batch_op:
        for name in PARTS:
            batch_op.add_column(sa.Column(name, sa.String(length=30), server_default=DEFAULTS[name], nullable=False))

    for policy, values in UPGRADE.items():
        op.execute(sa.text(
            'UPDATE exams SET review_responses = :responses, review_marks = :marks, review_answers = :answers, '
            'review_feedback = :feedback WHERE review_policy = :policy'
        ).bindparams(policy=policy, **values))

    with op.batch_alter_table('exams', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('review_policy')


def downgrade():
    with op.batch_alter_table('exams', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('review_policy', sa.String(length=20), server_default='score', nullable=False))

    op.execute(sa.text(
        "UPDATE exams SET review_policy = CASE "
        "WHEN review_answers <> 'never' AND review_feedback <> 'never' THEN 'feedback' "
        "WHEN review_answers <> 'never' THEN 'answers' "
        "ELSE 'score' END"
    ))

    with op.batch_alter_table('exams', schema=None, recreate='never') as batch_op:
        for name in reversed(PARTS):
            batch_op.drop_column(name)
