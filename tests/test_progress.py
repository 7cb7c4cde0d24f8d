"""Progress of long commands: a bar on a terminal, plain lines in a log."""
import io

from toolkit.progress import Steps


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_when_not_on_a_terminal():
    log = io.StringIO()
    with Steps(2, "job", stream=log) as st:
        st.step("first")
        st.step("second")
        assert sum(1 for _ in st.rows(range(400), 400, "rows")) == 400
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("job [1/2] first (") and lines[1].startswith("job [2/2] second (")
    assert [ln.split(": ")[1].split(" (")[0] for ln in lines[2:]] == ["100 of 400", "200 of 400", "300 of 400"]
    assert "\r" not in log.getvalue()


def test_a_bar_on_a_terminal():
    term = Terminal()
    with Steps(2, "job", stream=term) as st:
        st.step("first")
        st.step("second")
        list(st.rows(range(50), 50, "rows"))
    out = term.getvalue()
    assert "\r" in out and "job: 1/2" in out and "second" in out and "job [1/2]" not in out
