"""decisions, attendance, recusals, minutes versions and decision letters

Revision ID: b3decisions01
Revises: fd668aa640bd
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3decisions01"
down_revision = "fd668aa640bd"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('specialty', sa.Enum('medical_oncology', 'paediatric_oncology', 'dermatology', 'pathology', 'molecular_biology', 'genetics', 'pulmonology', 'radiology', 'radiotherapy', 'surgery', 'bioinformatics', 'pharmacy', 'clinical_research', 'other', name='specialty', native_enum=False, length=32), nullable=True),
    sa.Column('guest_name', sa.String(length=200), nullable=True),
    sa.Column('guest_role', sa.String(length=200), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_attendances_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendances_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_attendances_meeting_id_user_id'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendances_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('minutes_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_minutes_versions_board_id_boards')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_minutes_versions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_minutes_versions_signed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_versions')),
    sa.UniqueConstraint('meeting_id', 'number', name=op.f('uq_minutes_versions_meeting_id_number'))
    )
    with op.batch_alter_table('minutes_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_versions_board_id'), ['board_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_minutes_versions_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'validated', 'superseded', name='decisionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.Column('quorum_met', sa.Boolean(), nullable=False),
    sa.Column('quorum_missing', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('validated_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_decisions_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_decisions_board_id_boards')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decisions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_decisions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_decisions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['validated_by_id'], ['users.id'], name=op.f('fk_decisions_validated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('agenda_item_id', 'version', name=op.f('uq_decisions_agenda_item_id_version'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_board_id'), ['board_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_status'), ['status'], unique=False)

    op.create_table('recusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_recusals_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recusals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recusals')),
    sa.UniqueConstraint('agenda_item_id', 'user_id', name=op.f('uq_recusals_agenda_item_id_user_id'))
    )
    with op.batch_alter_table('recusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recusals_agenda_item_id'), ['agenda_item_id'], unique=False)

    op.create_table('decision_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_decision_letters_board_id_boards')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decision_letters_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_letters_decision_id_decisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_letters')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_decision_letters_decision_id'))
    )
    with op.batch_alter_table('decision_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_letters_board_id'), ['board_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_letters_case_id'), ['case_id'], unique=False)

    op.create_table('recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('targeted_therapy', 'clinical_trial', 'further_testing', 'germline_counselling', 'standard_of_care', 'no_actionable', 'rediscuss', name='recommendationkind', native_enum=False, length=32), nullable=False),
    sa.Column('drug', sa.String(length=200), nullable=True),
    sa.Column('biomarker_id', sa.Integer(), nullable=True),
    sa.Column('biomarker_label', sa.String(length=300), nullable=True),
    sa.Column('escat_tier', sa.String(length=8), nullable=True),
    sa.Column('oncokb_level', sa.String(length=4), nullable=True),
    sa.Column('access_route', sa.Enum('approved', 'off_label', 'early_access', 'compassionate_use', name='accessroute', native_enum=False, length=32), nullable=True),
    sa.Column('trial_id', sa.String(length=40), nullable=True),
    sa.Column('trial_site', sa.String(length=200), nullable=True),
    sa.Column('test_name', sa.String(length=200), nullable=True),
    sa.Column('test_sample', sa.String(length=200), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['biomarker_id'], ['biomarkers.id'], name=op.f('fk_recommendations_biomarker_id_biomarkers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_recommendations_decision_id_decisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendations'))
    )
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendations_decision_id'), ['decision_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendations_decision_id'))

    op.drop_table('recommendations')
    with op.batch_alter_table('decision_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_letters_case_id'))
        batch_op.drop_index(batch_op.f('ix_decision_letters_board_id'))

    op.drop_table('decision_letters')
    with op.batch_alter_table('recusals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recusals_agenda_item_id'))

    op.drop_table('recusals')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_status'))
        batch_op.drop_index(batch_op.f('ix_decisions_published_at'))
        batch_op.drop_index(batch_op.f('ix_decisions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_case_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_board_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_agenda_item_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('minutes_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_versions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_minutes_versions_board_id'))

    op.drop_table('minutes_versions')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_meeting_id'))

    op.drop_table('attendances')
