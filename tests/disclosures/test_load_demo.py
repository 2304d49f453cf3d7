from django.contrib.auth import authenticate
from django.core.management import call_command

from disclosures.models import Disclosure, SourceDocument
from performance.models import SelfEvaluation, TargetForm


def test_load_demo_imports_every_seed_published_and_prints_a_working_password(db, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert SourceDocument.objects.count() == 5
    assert Disclosure.objects.published().count() == 3
    assert TargetForm.objects.count() == 43 + 33 + 22 + 8
    assert SelfEvaluation.objects.count() == 23
    password = out.rsplit("密码", 1)[1].split()[0]
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_superuser

    call_command("load_demo")  # a second run skips what is there and issues a new password
    assert SourceDocument.objects.count() == 5
    assert "已导入，跳过" in capsys.readouterr().out
