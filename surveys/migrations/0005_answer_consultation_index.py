# Drops the index Django gave Answer.consultation: answer_report_scan_idx starts with the same
# column. Only the index is dropped; Django's own AlterField would also drop and re-add the foreign
# key, which re-checks every answer row under a lock that blocks new answers meanwhile.

import django.db.models.deletion
from django.db import migrations, models


def drop_index(apps, schema_editor):
    model = apps.get_model("surveys", "Answer")
    column = model._meta.get_field("consultation").column
    name = schema_editor._create_index_name(model._meta.db_table, [column])
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_index(apps, schema_editor):
    model = apps.get_model("surveys", "Answer")
    column = model._meta.get_field("consultation").column
    name = schema_editor._create_index_name(model._meta.db_table, [column])
    schema_editor.execute(
        f"CREATE INDEX {schema_editor.quote_name(name)} ON "
        f"{schema_editor.quote_name(model._meta.db_table)} ({schema_editor.quote_name(column)})"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0004_form_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="answer",
                    name="consultation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.consultation",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        ),
    ]
