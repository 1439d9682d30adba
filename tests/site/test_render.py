"""The templates' ``x.name`` on a plain dict: the key's value, and the dict's own methods where the name is one."""

from __future__ import annotations

from collections import OrderedDict

from generator.site import render


def _render(source: str, **context: object) -> str:
    return render.environment().from_string(source).render(**context)


def test_a_name_reads_the_key():
    assert _render("{{ d.name }}", d={"name": "<b>"}) == "&lt;b&gt;"      # escaped as before


def test_a_dict_method_name_is_the_method_even_when_it_is_also_a_key():
    d = {"items": "a key", "x": 1}
    assert _render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", d=d) == "items=a key;x=1;"


def test_a_missing_key_is_undefined():
    assert _render("{{ d.missing is defined }}", d={"name": 1}) == "False"


def test_other_mappings_and_objects_as_jinja_reads_them():
    class Obj:
        name = "attr"

    assert _render("{{ o.name }} {{ m.name }}", o=Obj(), m=OrderedDict(name="key")) == "attr key"
