import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# The audit log is append-only in the database itself, whatever code (or person with a SQL prompt) writes to it.
# TRUNCATE is refused too, except in a session that sets wms.audit_truncate to 'allow': the test suite's
# between-test flush does (tests/conftest.py); nothing else should.
FORBID = """
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('wms.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log (core_auditentry) is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditentry_no_update_or_delete
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();

CREATE TRIGGER core_auditentry_no_truncate
    BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditentry_no_update_or_delete ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_append_only();
"""


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('inventory', '0008_staff_scope'),
        ('layout', '0003_warehouse_capacity_settings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('actor_label', models.CharField(max_length=150)),
                ('action', models.CharField(choices=[('stock_adjusted', 'Stock adjusted'), ('hold_placed', 'Hold placed'), ('hold_released', 'Hold released'), ('order_cancelled', 'Order cancelled'), ('flush_approved', 'Flush approved'), ('flush_cancelled', 'Flush cancelled'), ('flushed', 'Flush executed'), ('role_changed', 'Role changed'), ('permissions_changed', 'Permissions changed'), ('secret_rotated', 'Secret rotated')], max_length=40)),
                ('object_type', models.CharField(max_length=100)),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('object_label', models.CharField(blank=True, max_length=200)),
                ('details', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('merchant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.merchant')),
                ('warehouse', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='layout.warehouse')),
            ],
            options={
                'verbose_name': 'audit entry',
                'verbose_name_plural': 'audit entries',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='core_audit_object'), models.Index(fields=['action', 'at'], name='core_audit_action_at')],
                'constraints': [models.CheckConstraint(condition=models.Q(('action__in', ['stock_adjusted', 'hold_placed', 'hold_released', 'order_cancelled', 'flush_approved', 'flush_cancelled', 'flushed', 'role_changed', 'permissions_changed', 'secret_rotated'])), name='core_audit_action_valid')],
            },
        ),
        migrations.RunSQL(FORBID, ALLOW),
    ]
