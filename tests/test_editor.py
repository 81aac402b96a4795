"""Editor help generated from the one schema: JSON Schema and VS Code snippets."""

from __future__ import annotations

import json

import jsonschema
import pytest

from doorstep.editor import SCHEMA_PATH, SNIPPETS_PATH, guide_schema, rendered
from doorstep.model import GuideMeta, parse_yaml, read_text, split_front_matter

from conftest import REPO, bundled_guides, make_project
from test_cli import run


def front_matter(path) -> dict:
    text = read_text(path, REPO)
    data, _ = parse_yaml(split_front_matter(text, path.name)[0], path.name)
    return json.loads(json.dumps(data, default=str))  # dates as the text an editor typed


def test_committed_editor_files_match_the_schema():
    for rel, text in rendered().items():
        assert (REPO / rel).read_text(encoding="utf-8") == text, f"{rel} is out of date: run `doorstep schema`"


def test_schema_accepts_every_bundled_guide_file():
    files = [p for slug in bundled_guides() for p in (REPO / "guides" / slug).glob("index*.md")]
    assert len(files) >= 36
    for path in files:
        schema = guide_schema(translation=path.name != "index.md")
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(front_matter(path))]
        assert errors == [], f"{path}: {errors}"


def test_original_schema_wants_what_translations_inherit():
    data = front_matter(REPO / "guides" / "vneid" / "index.md")
    del data["sources"]
    assert any("'sources' is a required property" in e.message
               for e in jsonschema.Draft7Validator(guide_schema()).iter_errors(data))
    data = front_matter(REPO / "guides" / "vneid" / "index.md")
    data["translated_from"] = "0123456789ab"
    assert list(jsonschema.Draft7Validator(guide_schema()).iter_errors(data))
    assert not list(jsonschema.Draft7Validator(guide_schema(translation=True)).iter_errors(data))


@pytest.mark.parametrize("change, expected", [
    ({"cost": 0}, "is not of type 'string'"),
    ({"task": "banking"}, "is not one of"),
    ({"colour": "red"}, "Additional properties are not allowed"),
    ({"translated_from": "by hand"}, "does not match"),
])
def test_schema_rejects_what_the_build_rejects(change, expected):
    data = front_matter(REPO / "guides" / "vneid" / "index.en.md")
    data.update(change)
    messages = [e.message for e in jsonschema.Draft7Validator(guide_schema()).iter_errors(data)]
    assert any(expected in m for m in messages), messages
    with pytest.raises(Exception):
        GuideMeta.model_validate(data)


def test_snippets_offer_every_field_an_editor_writes():
    snippets = json.loads((REPO / SNIPPETS_PATH).read_text(encoding="utf-8"))
    body = "\n".join(snippets["doorstep guide"]["body"])
    for name in GuideMeta.model_fields:
        assert (f"\n{name}:" in body) == (name != "translated_from"), name
    assert "task: ${3|account,identity,insurance,applications,payments,lookup,contact,help|}" in body
    translation = "\n".join(snippets["doorstep translation"]["body"])
    assert "sources:" not in translation and "title:" in translation


def test_schema_command_writes_the_files_and_keeps_other_settings(tmp_path):
    from doorstep.editor import SETTINGS_PATH

    project = make_project(tmp_path / "p")
    (project / ".vscode").mkdir()
    (project / SETTINGS_PATH).write_text('{"editor.formatOnSave": true}', encoding="utf-8")
    result = run("schema", cwd=project)
    assert result.returncode == 0, result.stderr
    assert json.loads((project / SCHEMA_PATH).read_text(encoding="utf-8"))["additionalProperties"] is False
    assert (project / SNIPPETS_PATH).is_file()
    settings = json.loads((project / SETTINGS_PATH).read_text(encoding="utf-8"))
    assert settings["editor.formatOnSave"] is True and "./schemas/campaign.schema.json" in settings["yaml.schemas"]
    missing = run("schema", "-f", str(tmp_path / "nowhere" / "mkdocs.yml"), cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "file not found" in missing.stderr
    assert not (tmp_path / "nowhere").exists()


def test_campaign_schema_accepts_the_examples_and_rejects_a_bad_tag():
    import yaml

    from doorstep.editor import CAMPAIGN_SCHEMA_PATH, SETTINGS_PATH

    schema = json.loads((REPO / CAMPAIGN_SCHEMA_PATH).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    examples = sorted((REPO / "pamphlets" / "campaigns").glob("*.yml"))
    assert len(examples) >= 2
    for path in examples:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert [e.message for e in validator.iter_errors(data)] == [], path
        data["campaign"] = "Hưng Vũ 2026"
        assert any("does not match" in e.message for e in validator.iter_errors(data))
    settings = json.loads((REPO / SETTINGS_PATH).read_text(encoding="utf-8"))
    assert settings["yaml.schemas"] == {"./" + CAMPAIGN_SCHEMA_PATH: "pamphlets/campaigns/*.yml"}
