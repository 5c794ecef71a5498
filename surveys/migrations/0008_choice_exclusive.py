from django.db import migrations, models

# The choices that already mean "none of the others" in the consultations held so far.
EXCLUSIVE_VALUES = ("none", "no_view")


def mark_exclusive(apps, schema_editor):
    Choice = apps.get_model("surveys", "Choice")
    Choice.objects.filter(question__kind="multiple", value__in=EXCLUSIVE_VALUES).update(
        exclusive=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0007_submission_start_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="choice",
            name="exclusive",
            field=models.BooleanField(
                default=False,
                help_text="Cannot be ticked with another choice (“None of these”, “No view”).",
                verbose_name="exclusive",
            ),
        ),
        migrations.RunPython(mark_exclusive, migrations.RunPython.noop),
    ]
