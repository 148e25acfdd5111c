"""programme networks: DMK, AEROMAC, C3M, AMCN, ACOMS

Revision ID: 0002_programme_networks
Revises: 0001_accounts
Create Date: 2026-11-29

The five networks of experts abroad that the MRE Academy programme starts with. Their data
is written out here, not imported from the app, so this migration means the same thing
forever.
"""
from alembic import op
import sqlalchemy as sa

revision = '0002_programme_networks'
down_revision = '0001_accounts'
branch_labels = None
depends_on = None

networks = sa.table(
    'networks',
    sa.column('code', sa.String),
    sa.column('name', sa.JSON),
    sa.column('country', sa.String),
    sa.column('domains', sa.JSON),
)

PROGRAMME_NETWORKS = [
    {
        'code': 'DMK',
        'name': {'fr': 'DMK — réseau germano-marocain des compétences',
                 'ar': 'DMK — الشبكة الألمانية المغربية للكفاءات'},
        'country': 'DE',
        'domains': ['automotive'],
    },
    {
        'code': 'AEROMAC',
        'name': {'fr': 'AEROMAC-Experts — experts marocains de l’aéronautique',
                 'ar': 'AEROMAC-Experts — الخبراء المغاربة في صناعة الطيران'},
        'country': 'CA',
        'domains': ['aeronautics'],
    },
    {
        'code': 'C3M',
        'name': {'fr': 'C3M — experts marocains de la santé',
                 'ar': 'C3M — الخبراء المغاربة في مجال الصحة'},
        'country': None,
        'domains': ['health'],
    },
    {
        'code': 'AMCN',
        'name': {'fr': 'AMCN — experts marocains de l’intelligence artificielle',
                 'ar': 'AMCN — الخبراء المغاربة في الذكاء الاصطناعي'},
        'country': 'US',
        'domains': ['ai'],
    },
    {
        'code': 'ACOMS',
        'name': {'fr': 'ACOMS — experts marocains de l’e-learning',
                 'ar': 'ACOMS — الخبراء المغاربة في التعليم الإلكتروني'},
        'country': 'CH',
        'domains': ['elearning'],
    },
]


def upgrade():
    op.bulk_insert(networks, PROGRAMME_NETWORKS)


def downgrade():
    op.execute(
        networks.delete().where(networks.c.code.in_([n['code'] for n in PROGRAMME_NETWORKS]))
    )
