"""The role taxonomy and finding role mentions in text.

Plain data: canonical role → English label, broader roles (SKOS-style, used by the graph
for inheritance: 常务副区长 ⊑ 副区长 ⊑ 区政府领导同志 ⊑ 区政府组成人员) and the printed
variants that map to it. District-government roles come first; generic roles of laws follow.
Two optional keys, which the graph ignores: ``departments`` (a government's departments: 有关部门
in its own rules means them; read by ``localize``) and ``head_of`` (the body a person role heads:
区政府各部门主要负责同志 names 部门主要负责人, the head of 区政府各部门, and the head bears the clause).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .wordrx import trie

TAXONOMY: dict[str, dict] = {
    "区政府组成人员": {"en": "members of the district government", "broader": [],
                "variants": ["区政府组成人员", "政府组成人员"]},
    "区政府领导同志": {"en": "district government leaders", "broader": ["区政府组成人员"],
                "variants": ["区政府领导同志", "区政府领导", "政府领导同志", "区政府领导班子成员", "领导班子成员",
                             "区政府分管领导同志", "区政府分管领导", "区政府分管负责同志", "分管领导同志",
                             "区分管领导", "分管领导", "领导同志"]},
    "区长": {"en": "district head", "broader": ["区政府领导同志"], "variants": ["区长"]},
    "副区长": {"en": "deputy district head", "broader": ["区政府领导同志"],
            "variants": ["副区长", "主管副区长", "分管副区长"]},
    "常务副区长": {"en": "executive deputy district head", "broader": ["副区长"],
              "variants": ["常务副区长", "负责常务工作的副区长"]},
    "区政府": {"en": "district government", "broader": [], "departments": "区政府各部门",
            "variants": ["区政府", "区人民政府", "本区人民政府"]},
    "区政府各部门": {"en": "district government departments", "broader": [],
               "variants": ["区政府各部门", "区政府组成部门", "区政府各组成部门", "各组成部门", "组成部门",
                            "区政府各委、办、局", "区政府有关部门", "区政府工作部门", "区政府各工作部门", "各工作部门",
                            "区政府部门", "政府部门", "各部门", "部门"]},
    "区政府办公室": {"en": "district government office", "broader": ["区政府各部门"],
               "variants": ["区政府办公室", "区政府办"]},
    "区审计局": {"en": "district audit bureau", "broader": ["区政府各部门"], "variants": ["区审计局", "审计局", "审计部门"]},
    "区监察局": {"en": "district supervision bureau", "broader": ["区政府各部门"], "variants": ["区监察局", "监察局", "监察部门"]},
    "区司法局": {"en": "district justice bureau (legal affairs office)", "broader": ["区政府各部门"],
             "variants": ["区司法局", "区法制办", "区政府法制办", "区政府法制办公室", "法制办"]},
    "区外办": {"en": "district foreign affairs office", "broader": ["区政府各部门"],
            "variants": ["区外办", "区政府外事侨务办公室", "区政府外事侨务办", "区外事办"]},
    "街道办事处": {"en": "sub-district office", "broader": [],
              "variants": ["街道办事处", "各街道办事处", "地区办事处", "乡政府"]},
    "主办部门": {"en": "lead department", "broader": ["区政府各部门"],
             "variants": ["主办部门", "主办单位", "牵头部门", "牵头单位", "承办部门", "承办单位"]},
    "协办部门": {"en": "assisting department", "broader": ["区政府各部门"], "variants": ["协办部门", "协办单位"]},
    "起草部门": {"en": "drafting department", "broader": ["区政府各部门"], "variants": ["起草部门", "起草单位", "牵头起草部门", "主责部门"]},
    # the principal head of a department (区政府各部门主要负责同志 → this role, not the departments);
    # heads of 组成部门 are members of the district government
    "部门主要负责人": {"en": "heads of departments", "broader": ["区政府组成人员"], "head_of": "区政府各部门",
                "variants": ["部门主要负责人", "主要负责人", "主要负责同志", "行政首长", "负责人", "负责同志"]},
    "区政府工作人员": {"en": "district government staff", "broader": [],
                "variants": ["区政府工作人员", "行政机关工作人员", "工作人员", "公职人员"]},
    "行政机关": {"en": "administrative organs", "broader": [], "variants": ["各行政机关", "行政机关"]},
    "行政机关负责人": {"en": "heads of administrative organs", "broader": [], "head_of": "行政机关",
                "variants": ["行政机关负责人"]},
    "任免机关": {"en": "appointing authority", "broader": [], "variants": ["任免机关"]},
    # generic roles of laws and regulations
    "国务院": {"en": "State Council", "broader": [], "variants": ["国务院"]},
    "县级以上人民政府": {"en": "people's governments at or above county level", "broader": [],
                  "variants": ["县级以上地方各级人民政府", "县级以上地方人民政府", "县级以上人民政府"]},
    "主管部门": {"en": "competent department", "broader": [], "variants": ["主管部门", "行政主管部门"]},
    "有关部门": {"en": "relevant departments", "broader": [], "variants": ["有关部门"]},
    "人民法院": {"en": "people's court", "broader": [], "variants": ["人民法院"]},
    "人民检察院": {"en": "people's procuratorate", "broader": [], "variants": ["人民检察院"]},
    "公安机关": {"en": "public security organs", "broader": [], "variants": ["公安机关"]},
    "用人单位": {"en": "employer", "broader": [], "variants": ["用人单位"]},
    "经营者": {"en": "business operator", "broader": [], "variants": ["经营者"]},
    "当事人": {"en": "party", "broader": [], "variants": ["当事人"]},
    "任何单位和个人": {"en": "any organisation or individual", "broader": [],
                "variants": ["任何单位和个人", "任何单位或者个人", "任何组织和个人", "任何组织或者个人"]},
    "公民": {"en": "citizen", "broader": [], "variants": ["公民"]},
}

# a role word followed by these is a meeting, a system or a document, not a party
_NOT_A_PARTY = r"(?!常务会|全体会|会议|办公会|负责制|名义|文件|工作规则|规章|决定|党组|门户)"
_VARIANTS = sorted(((v, c) for c, d in TAXONOMY.items() for v in d["variants"]), key=lambda x: -len(x[0]))
_CANON = {v: c for v, c in _VARIANTS}
# the variants, longest first where several match (a trie: see wordrx)
_ANY = trie([v for v, _ in _VARIANTS])
ROLE_RX = re.compile("(" + _ANY + ")" + _NOT_A_PARTY)
# the role that owns a meeting or in whose name something is done (区政府常务会议, 以区政府名义)
OWNER_RX = re.compile(f"以?({_ANY})(?:[或和及、](?:{_ANY}))*(?=名义|常务会|全体会|办公会|会议)")


@dataclass(frozen=True)
class Mention:
    role: str  # canonical
    surface: str
    start: int
    end: int


def find_roles(text: str) -> list[Mention]:
    """Role mentions in ``text``, longest variant first, without overlaps."""
    return list(_find_roles(text))


@lru_cache(maxsize=4096)
def _find_roles(text: str) -> tuple[Mention, ...]:
    # clause extraction looks at the same comma segments and clauses several times
    return tuple(Mention(_CANON[m.group(1)], m.group(1), m.start(), m.end(1)) for m in ROLE_RX.finditer(text))


def find_owner(text: str) -> Mention | None:
    """The role that opens ``text`` as owner of a meeting or a name (以区政府名义…, 区政府常务会议…)."""
    m = OWNER_RX.match(text)
    return Mention(_CANON[m.group(1)], m.group(0), m.start(), m.end()) if m else None


def canonical(name: str) -> str | None:
    return _CANON.get(name) or (name if name in TAXONOMY else None)


# roles that mean the same in any document; the others belong to a district government's rules
GENERIC_ROLES = frozenset({"行政机关", "行政机关负责人", "任免机关", "国务院", "县级以上人民政府", "主管部门", "有关部门",
                           "人民法院", "人民检察院", "公安机关", "用人单位", "经营者", "当事人", "任何单位和个人", "公民"})
# roles of persons rather than bodies: a role written after one of them is a new conjunct, not
# its head (区政府领导同志及各部门负责人 → 区政府领导同志; 区政府各部门主要负责人 → 部门主要负责人)
PERSON_ROLES = frozenset({"区政府组成人员", "区政府领导同志", "区长", "副区长", "常务副区长", "部门主要负责人",
                          "区政府工作人员", "行政机关负责人", "当事人", "公民"})
# generic department roles of laws that, in a government's own rules, mean its departments
GENERIC_DEPARTMENTS = ("有关部门", "主管部门")


def is_district(role: str | None) -> bool:
    """A role of a district government's own rules (区政府, 区政府各部门 …), not a generic one."""
    return role in TAXONOMY and role not in GENERIC_ROLES


def localize(role: str, issuer_role: str | None) -> str:
    """有关部门 in a district government's rules is that government's departments (区政府各部门)."""
    departments = TAXONOMY.get(issuer_role or "", {}).get("departments")
    return departments if departments and role in GENERIC_DEPARTMENTS else role


def ancestors(role: str) -> list[str]:
    """Every broader role, nearest first (常务副区长 → 副区长, 区政府领导同志, 区政府组成人员)."""
    out: list[str] = []
    todo = list(TAXONOMY.get(role, {}).get("broader", []))
    while todo:
        r = todo.pop(0)
        if r not in out:
            out.append(r)
            todo += TAXONOMY.get(r, {}).get("broader", [])
    return out
