"""Document metadata from a laid-out document: title, doc number, issuer, district, date, type, repeals.

Government notices put most of this in the 印发通知 (title in 《》, signature and date);
laws put it in a title heading and dated history lines. Each function reads the place
where its field is printed and falls back to the next likely place.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

from .numbering import cn_to_int
from .structure import DATE_LINE, Layout

DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,12})\s*[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*(?:第\s*)?(\d{1,4})\s*号")
DATE = re.compile(r"((?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})\s*年\s*([\d一二三四五六七八九十]{1,3})\s*月"
                  r"\s*([\d一二三四五六七八九十]{1,3})\s*日")
FILE_VERSION = re.compile(r"[（(]((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})[)）]")
TITLE_IN_NOTICE = re.compile(r"关于(?:印发|转发|发布)《?(.+?)》?的通知")
QUOTED = re.compile(r"《([^《》]{2,80})》")
DOC_TYPES = ("工作规则", "实施细则", "实施办法", "实施意见", "暂行规定", "暂行办法", "管理办法", "管理规定",
             "指导意见", "规划", "纲要", "条例", "办法", "规定", "规则", "细则", "决定", "决议", "意见",
             "通知", "解释", "批复", "章程", "方案", "计划", "准则", "守则", "公约", "宪法", "法典", "法")
PROVINCES = {
    "北京": "京", "天津": "津", "上海": "沪", "重庆": "渝", "河北": "冀", "山西": "晋", "辽宁": "辽",
    "吉林": "吉", "黑龙江": "黑", "江苏": "苏", "浙江": "浙", "安徽": "皖", "福建": "闽", "江西": "赣",
    "山东": "鲁", "河南": "豫", "湖北": "鄂", "湖南": "湘", "广东": "粤", "海南": "琼", "四川": "川",
    "贵州": "黔", "云南": "滇", "陕西": "陕", "甘肃": "甘", "青海": "青", "台湾": "台", "内蒙古": "蒙",
    "广西": "桂", "西藏": "藏", "宁夏": "宁", "新疆": "新", "香港": "港", "澳门": "澳",
}
MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_LOCAL_ORG = re.compile(r"(人民政府|人民代表大会常务委员会|人大常委会|人民代表大会|政府办公室|政府办公厅|政府)$")


def normalize_doc_number(prefix: str, year: str, num: str) -> str:
    return f"{prefix}〔{year}〕{int(num)}号"


def find_doc_numbers(text: str) -> list[str]:
    """Every doc number in ``text``, normalised to the 〔〕 form."""
    out = []
    for m in DOC_NUMBER.finditer(text):
        out.append(normalize_doc_number(_issuer_code(m.group(1)), m.group(2), m.group(3)))
    return out


def _issuer_code(run: str) -> str:
    """The issuer code before the bracket: at most 5 characters, without a leading verb ('现将西政发' → '西政发')."""
    run = run[-5:]
    while len(run) > 2 and run[0] in "现将把对由经和及与的是为在按据照":
        run = run[1:]
    return run


def iso_date(y: int | None, mo: int | None, d: int | None) -> str | None:
    """ISO date, or None for an impossible one (2023年2月31日)."""
    try:
        return date(y, mo, d).isoformat() if y and mo and d else None
    except ValueError:
        return None


def to_iso(m: re.Match) -> str | None:
    return iso_date(*(cn_to_int(g) for g in m.groups()))


def first_date(text: str) -> str | None:
    for m in DATE.finditer(text):
        iso = to_iso(m)
        if iso:
            return iso
    return None


def title_of(lay: Layout, path: str) -> str:
    md = [p.text.strip() for p in lay.front if p.md_level == 1]
    if md:
        return " ".join(md[:2]) if len(md) > 1 else md[0]
    notice = "\n".join(p.text for p in lay.notice)
    from_notice = None
    m = TITLE_IN_NOTICE.search(notice)
    if m:
        from_notice = m.group(1).strip("《》")
    for cue in re.finditer(r"《([^《》]{2,80})》[^。]{0,30}(?:印发|转发|发布)", notice):
        from_notice = cue.group(1)
        break
    for p in lay.front:
        t = p.text
        if not DATE_LINE.match(t) and not DOC_NUMBER.search(t) and len(t) <= 60 and not t.endswith("文件"):
            if from_notice is None or from_notice.endswith(t) or t.endswith(from_notice):
                return t
    if from_notice:
        return from_notice
    stem = FILE_VERSION.sub("", Path(path).stem).strip()
    return stem


def doc_number_of(lay: Layout) -> str | None:
    for part in (lay.notice, lay.front, lay.footer):
        nums = find_doc_numbers("\n".join(p.text for p in part))
        if nums:
            return nums[0]
    return None


def date_of(lay: Layout, path: str) -> str | None:
    for p in reversed(lay.notice):
        if DATE_LINE.match(p.text):
            return first_date(p.text)
    m = FILE_VERSION.search(Path(path).name)
    if m and (iso := iso_date(*(int(g) for g in m.groups()))):
        return iso
    dates = [d for p in lay.front if (d := first_date(p.text))]
    if dates:
        return max(dates)
    for p in lay.footer:
        if p.text.endswith("印发") and (d := first_date(p.text)):
            return d
    for p in lay.notice:
        if d := first_date(p.text):
            return d
    return None


def issuer_of(lay: Layout, title: str) -> str | None:
    for k, p in enumerate(lay.notice):
        if DATE_LINE.match(p.text) and k > 0:
            prev = lay.notice[k - 1].text
            if len(prev) <= 40 and prev[-1] not in "。：；，":
                return prev
    for t in [title] + [p.text for p in lay.notice]:
        m = re.match(r"^(.{2,40}?)(?:关于|文件$)", t)
        if m:
            return m.group(1)
    for p in lay.front:
        if first_date(p.text):
            body = DATE.sub("", p.text, count=1).strip()
            body = re.sub(r"第[一二三四五六七八九十百零〇\d]+届", "", body)
            body = re.split(r"第[一二三四五六七八九十百零〇\d]+次|会议|根据|公布|发布|通过|修正|修订", body)[0].strip()
            if len(body) >= 2:
                return body
    return None


def _admin_prefix(name: str) -> str:
    """'北京市西城区人民政府' → '北京市西城区'; '西市区人民政府' → '西市区' (a district, not a city)."""
    out, rest = "", name
    for suffixes, max_len in ((("省", "自治区"), 7), (("市", "自治州", "地区", "盟"), 6), (("区", "县", "旗"), 6),
                              (("市",), 6)):
        if suffixes == ("市",) and out.endswith(("区", "县", "旗")):
            break
        hits = [(i, s) for s in suffixes if 0 < (i := rest.find(s, 1)) <= max_len]
        if not hits:
            continue
        i, hit = min(hits)
        cut = i + len(hit)
        if hit == "市" and rest[cut:cut + 1] in ("区", "县"):
            continue  # 西市区: the 市 belongs to the district's name
        if _not_a_place(rest[:cut], rest[cut:cut + 1]):
            continue
        if suffixes == ("市",) and out[:-1] in MUNICIPALITIES:
            break  # a municipality has no county-level cities under it
        out, rest = out + rest[:cut], rest[cut:]
    return out


# words that end like an administrative unit but are none (上海市技术市场条例, 社区, 风貌区)
_NOT_PLACES = {"社区", "园区", "景区", "城区", "市区", "辖区", "小区", "城市", "都市", "山区", "库区", "牧区"}
_NOT_PLACE_ENDINGS = ("开发区", "保护区", "风景区", "风貌区", "功能区", "示范区", "试验区", "实验区", "合作区", "机场地区")


def _not_a_place(segment: str, following: str) -> bool:
    if segment.endswith("市") and (following == "场" or (following == "民" and len(segment) > 3)):
        return True  # 技术市场, 荣誉市民 (but 广州市民政局 is 广州市)
    if segment in _NOT_PLACES or segment.endswith(_NOT_PLACE_ENDINGS):
        return True
    return len(segment) > 5 and segment.endswith("区") and not segment.endswith(("自治区", "地区"))


def district_of(issuer: str | None, title: str, doc_number: str | None, text: str) -> str | None:
    """Jurisdiction from the issuer (or title), completed from the doc number prefix and the text."""
    name = ""
    if issuer and _LOCAL_ORG.search(issuer):
        name = _admin_prefix(issuer)
    if not name:
        for prov in PROVINCES:
            if title.startswith(prov):
                name = _admin_prefix(title)
                break
        else:
            m = re.match(r"^(.{2,12}?)(人民政府|人大常委会|人民代表大会常务委员会)", title)
            if m:
                name = _admin_prefix(m.group(1) + m.group(2))
    if not name:
        return None
    if name.startswith(tuple(PROVINCES)) or not name.endswith(("区", "县", "旗")):
        return name
    # a bare district (西市区): its city is the doc number's prefix before the district's abbreviation
    if doc_number:
        code = doc_number.split("〔")[0]
        k = code.find(name[0])
        if k > 0:
            abbr = code[:k]
            for prov, short in PROVINCES.items():
                if abbr == short and prov in MUNICIPALITIES:
                    return f"{prov}市{name}"
            cities = Counter(re.findall(rf"({re.escape(abbr)}[\u4e00-\u9fff]{{1,2}}?市)(?!区)", text))
            if cities:
                return cities.most_common(1)[0][0] + name
    return name


def doc_type_of(title: str) -> str | None:
    main = re.sub(r"\s*[（(].*?[)）]\s*$", "", title.split(" ")[0])
    for t in DOC_TYPES:
        if main.endswith(t):
            return "法律" if t == "法" else t
    return None


def repeals_of(text: str, own: str | None) -> list[str]:
    """Doc numbers (or titles, where a repealed act has none) in sentences that repeal."""
    out: list[str] = []
    for sent in re.split(r"[。；\n]", text):
        if "废止" not in sent or re.search(r"不得废止|提请.{0,10}废止|修改或者?废止|改变或者撤销|制定、修改", sent):
            continue
        nums = [n for n in find_doc_numbers(sent) if n != own]
        if nums:
            out.extend(nums)
        else:
            out.extend(QUOTED.findall(sent))
    return list(dict.fromkeys(out))
