"""render/media/attachments.py: type labels, MIME types, sizes for people, links keeping a Chinese name."""

from __future__ import annotations

from urllib.parse import unquote, urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxsite.content.schema import read_attachments
from cxsite.render.media.attachments import FileInfo, describe_file, download_link, human_size


@pytest.mark.parametrize(("name", "label", "mime"), [
    ("第1期简报.pdf", "PDF", "application/pdf"),
    ("方案.PDF", "PDF", "application/pdf"),
    ("通知.doc", "Word", "application/msword"),
    ("通知.docx", "Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("统计表.xls", "Excel", "application/vnd.ms-excel"),
    ("统计表.xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("汇报.ppt", "PowerPoint", "application/vnd.ms-powerpoint"),
    ("汇报.pptx", "PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("材料.wps", "WPS 文字", "application/octet-stream"),
    ("材料.et", "WPS 表格", "application/octet-stream"),
    ("公文.ofd", "OFD", "application/ofd"),
    ("照片.zip", "压缩包", "application/zip"),
    ("照片.rar", "压缩包", "application/vnd.rar"),
    ("照片.7z", "压缩包", "application/x-7z-compressed"),
    ("说明.txt", "文本", "text/plain"),
    ("合影.jpg", "图片", "image/jpeg"),
    ("合影.JPEG", "图片", "image/jpeg"),
    ("规划图.dwg", "CAD 图纸", "image/vnd.dwg"),
    ("files/子目录/记录.mp4", "视频", "video/mp4"),
    ("C:\\材料\\汇总.xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_known_types_get_a_label_and_a_mime_type(name, label, mime):
    info = describe_file(name, 2048)
    assert info == FileInfo(label=label, mime=mime, size_text="2 KB")


@pytest.mark.parametrize(("name", "label"), [("数据.xyz", "XYZ"), ("说明", "文件"), (".hidden", "文件")])
def test_unknown_types_are_named_by_their_suffix_and_sent_as_octet_stream(name, label):
    info = describe_file(name, 10)
    assert (info.label, info.mime) == (label, "application/octet-stream")


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"),
    (1, "1 B"),
    (1023, "1023 B"),
    (1024, "1 KB"),
    (1536, "1.5 KB"),
    (10 * 1024 - 30, "10 KB"),  # 9.97 KB: two figures are enough
    (356 * 1024 + 100, "356 KB"),
    (1024 * 1024 - 1, "1 MB"),  # not "1024 KB"
    (int(1.2 * 1024 * 1024), "1.2 MB"),
    (5 * 1024**3, "5 GB"),
])
def test_sizes_read_as_explorer_counts_them(size, text):
    assert human_size(size) == text


def test_a_negative_size_is_a_mistake():
    with pytest.raises(ValueError):
        human_size(-1)


@given(st.integers(min_value=1024, max_value=1024**4 * 100))
def test_a_size_text_is_within_five_percent_and_a_small_figure(size):
    figure, unit = human_size(size).split(" ")
    scale = 1024 ** (["KB", "MB", "GB", "TB"].index(unit) + 1)
    assert abs(float(figure) * scale - size) <= 0.05 * size
    assert float(figure) < 1024 or unit == "TB"


def test_a_chinese_file_name_is_kept_for_the_download_and_encoded_in_the_link():
    link = download_link("../../files/第1期简报.pdf")
    assert link.download == "第1期简报.pdf"
    assert link.href == "../../files/%E7%AC%AC1%E6%9C%9F%E7%AE%80%E6%8A%A5.pdf"
    assert link.href.isascii()
    page = "https://example.org/zt/cxcy/bulletins/1/"
    assert unquote(urljoin(page, link.href)) == "https://example.org/zt/cxcy/files/第1期简报.pdf"


@pytest.mark.parametrize("name", ["会议 纪要.docx", "100%完成.xlsx", "问答#1?.pdf", "a&b's:c.txt",
                                  "50%25.pdf"])
def test_characters_that_mean_something_in_urls_are_encoded(name):
    link = download_link(f"files/{name}")
    assert link.download == name
    assert all(c not in link.href for c in " #?&':")
    assert unquote(link.href) == f"files/{name}"


def test_the_download_name_can_be_given():
    link = download_link("files/2010-07-bulletin-1.pdf", "第1期简报.pdf")
    assert link == download_link("files/2010-07-bulletin-1.pdf", name="第1期简报.pdf")
    assert (link.href, link.download) == ("files/2010-07-bulletin-1.pdf", "第1期简报.pdf")


def test_an_attachment_is_called_by_its_title_else_by_its_file_name():
    refs = read_attachments([{"src": "/files/第1期简报.pdf", "title": "第1期简报（PDF版）"},
                             "/files/签到表.xlsx", "files\\子目录\\会议 纪要.docx"])
    assert [ref.title for ref in refs] == ["第1期简报（PDF版）", "签到表", "会议 纪要"]
