"""Chinese pages with Chinese punctuation (toolkit/report/zh_punctuation.py): a director read
"新用户:下月 ... 10.9%;预计" as typed by a programmer."""
import re

from toolkit.report.zh_punctuation import full_width, page


def test_marks_beside_chinese_become_full_width_and_numbers_stay():
    assert full_width("风险最高的分群是新用户:下月 33.9%,其他为 10.9%;预计 3,990 人") == \
        "风险最高的分群是新用户：下月 33.9%，其他为 10.9%；预计 3,990 人"
    assert full_width("销售额(¥)从 2,857,105 增至 3,455,582(+20.9%;去年同期 +27.2%)。") == \
        "销售额（¥）从 2,857,105 增至 3,455,582（+20.9%；去年同期 +27.2%）。"
    assert full_width("1.60 倍 (2025-01, 上升)") == "1.60 倍（2025-01，上升）"      # spaces around go
    assert full_width("时间 10:30, 共 3 人") == "时间 10:30，共 3 人"                # a time keeps its colon
    assert full_width("实际为 59.9%(29,943)。") == "实际为 59.9%（29,943）。"        # no letter inside
    assert full_width("活动 C1(新用户激励 new-user incentive,2026-02):") == "活动 C1（新用户激励 new-user incentive，2026-02）："


def test_english_and_code_beside_chinese_keep_theirs():
    assert full_width("数据集: sample (Asia/Shanghai)") == "数据集：sample (Asia/Shanghai)"
    assert full_width("例如 [invite_sent, share]。") == "例如 [invite_sent, share]。"
    assert full_width("Revenue (¥) grew, fine: yes") == "Revenue (¥) grew, fine: yes"    # no Chinese: untouched
    assert full_width("A &amp; B:测试 &#x27;x&#x27;") == "A &amp; B：测试 &#x27;x&#x27;"   # entities whole
    assert full_width("新用户 (new) 与 (x (中) y)") == "新用户（new）与（x（中）y）"     # nested, innermost first


def test_a_page_changes_its_text_only():
    html = ("<p title='中:a'>新用户:下月</p><script>var a = {x: 1, y: '中:'};</script>"
            "<style>p:hover{a:b}</style><code>a,b 中</code><pre>中:x</pre><p>x, 中</p>")
    assert page(html) == ("<p title='中:a'>新用户：下月</p><script>var a = {x: 1, y: '中:'};</script>"
                          "<style>p:hover{a:b}</style><code>a,b 中</code><pre>中:x</pre><p>x，中</p>")


def test_the_rendered_chinese_summary_uses_chinese_punctuation(rendered_reports):
    from bs4 import BeautifulSoup
    month = rendered_reports["zh"][0] / "2026-10"
    for name in ("index.html", "01_lifecycle.html"):
        soup = BeautifulSoup((month / name).read_text(encoding="utf-8"), "html.parser")
        for tag in soup(["script", "style", "code", "pre"]):
            tag.decompose()
        text = soup.get_text(" ")
        assert "：" in text and "，" in text, name
        half = re.findall(r"[\u4e00-\u9fff][,;:(]|[,;:)][\u4e00-\u9fff]", text)
        assert not half, (name, half[:10])
    en = (rendered_reports["en"][0] / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "：" not in en and "，" not in en          # the English page keeps its own
