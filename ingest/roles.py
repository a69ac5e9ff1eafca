"""The role taxonomy and finding role mentions in text.

Plain data: canonical role → English label, broader roles (SKOS-style, used by the graph
for inheritance: 常务副区长 ⊑ 副区长 ⊑ 区政府领导同志 ⊑ 区政府组成人员) and the printed
variants that map to it. District-government roles come first; generic roles of laws follow.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

TAXONOMY: dict[str, dict] = {
    "区政府组成人员": {"en": "members of the district government", "broader": [],
                "variants": ["区政府组成人员", "政府组成人员"]},
    "区政府领导同志": {"en": "district government leaders", "broader": ["区政府组成人员"],
                "variants": ["区政府领导同志", "区政府领导", "政府领导同志"]},
    "区长": {"en": "district head", "broader": ["区政府领导同志"], "variants": ["区长"]},
    "副区长": {"en": "deputy district head", "broader": ["区政府领导同志"],
            "variants": ["副区长", "主管副区长", "分管副区长"]},
    "常务副区长": {"en": "executive deputy district head", "broader": ["副区长"],
              "variants": ["常务副区长", "负责常务工作的副区长"]},
    "区政府": {"en": "district government", "broader": [],
            "variants": ["区政府", "区人民政府", "本区人民政府"]},
    "区政府各部门": {"en": "district government departments", "broader": [],
               "variants": ["区政府各部门", "区政府组成部门", "区政府各组成部门", "各组成部门", "组成部门",
                            "区政府各委、办、局", "区政府有关部门", "区政府工作部门", "各部门", "部门"]},
    "区政府办公室": {"en": "district government office", "broader": ["区政府各部门"],
               "variants": ["区政府办公室", "区政府办"]},
    "区审计局": {"en": "district audit bureau", "broader": ["区政府各部门"], "variants": ["区审计局", "审计局"]},
    "区司法局": {"en": "district justice bureau (legal affairs office)", "broader": ["区政府各部门"],
             "variants": ["区司法局", "区法制办", "区政府法制办", "区政府法制办公室", "法制办"]},
    "区外办": {"en": "district foreign affairs office", "broader": ["区政府各部门"],
            "variants": ["区外办", "区政府外事侨务办公室", "区政府外事侨务办", "区外事办"]},
    "街道办事处": {"en": "sub-district office", "broader": [],
              "variants": ["街道办事处", "各街道办事处", "地区办事处", "乡政府"]},
    "主办部门": {"en": "lead department", "broader": ["区政府各部门"], "variants": ["主办部门", "主办单位"]},
    "起草部门": {"en": "drafting department", "broader": ["区政府各部门"], "variants": ["起草部门", "起草单位"]},
    "部门主要负责人": {"en": "heads of departments", "broader": [],
                "variants": ["部门主要负责人", "主要负责人", "主要负责同志", "行政首长"]},
    "区政府工作人员": {"en": "district government staff", "broader": [],
                "variants": ["区政府工作人员", "行政机关工作人员", "工作人员"]},
    "行政机关": {"en": "administrative organs", "broader": [], "variants": ["各行政机关", "行政机关"]},
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
_NOT_A_PARTY = r"(?!常务会议|全体会议|会议|办公会|负责制|名义|文件|工作规则|规章|决定|党组|门户)"
_VARIANTS = sorted(((v, c) for c, d in TAXONOMY.items() for v in d["variants"]), key=lambda x: -len(x[0]))
_CANON = {v: c for v, c in _VARIANTS}
ROLE_RX = re.compile("(" + "|".join(re.escape(v) for v, _ in _VARIANTS) + ")" + _NOT_A_PARTY)


@dataclass(frozen=True)
class Mention:
    role: str  # canonical
    surface: str
    start: int
    end: int


def find_roles(text: str) -> list[Mention]:
    """Role mentions in ``text``, longest variant first, without overlaps."""
    return [Mention(_CANON[m.group(1)], m.group(1), m.start(), m.start() + len(m.group(1)))
            for m in ROLE_RX.finditer(text)]


def canonical(name: str) -> str | None:
    return _CANON.get(name) or (name if name in TAXONOMY else None)


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
