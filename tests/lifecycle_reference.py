"""A deliberately naive reference of domain.md section 3, user by user and month by month.

It walks every user through every month with the definitions as written, so
the SQL (which counts intervals) can be checked against it on random data.
"""
from __future__ import annotations


def reference_states(events, registrations, *, k, active_events=(), signal_events=("trip",), last_mi=None):
    """events: [(user, month_index, event_name)]; registrations: {user: month_index}.

    Returns {month_index: {user: (state, churned_signal, returned_signal)}} for every month
    from the first entry to last_mi (default: the last month with a qualifying or signal event or a registration).
    """
    def qualifies(name):
        return name in active_events if active_events else name not in signal_events

    active, signal = {}, {}
    for u, m, name in events:
        if qualifies(name):
            active.setdefault(u, set()).add(m)
        if name in signal_events:
            signal.setdefault(u, set()).add(m)
    users = set(active) | set(registrations)
    entry = {}
    for u in users:
        cands = list(active.get(u, ())) + ([registrations[u]] if u in registrations else [])
        entry[u] = min(cands)
    if last_mi is None:
        last_mi = max([m for _, m, n in events if qualifies(n) or n in signal_events] + list(registrations.values()))
    first = min(entry.values())
    out = {}
    for m in range(first, last_mi + 1):
        row = {}
        for u in users:
            e = entry[u]
            if e > m:
                continue
            act = lambda x: x == e or x in active.get(u, ())  # noqa: E731
            run = 0                                # inactive months in a row ending with m (or before m)
            if act(m):
                x = m - 1
                while x >= e and not act(x):
                    run += 1
                    x -= 1
                if m == e:
                    st = "new"
                elif m == e + 1:
                    st = "new_retained"
                elif run == 0:
                    st = "active"
                elif run < k:
                    st = "woken"
                else:
                    st = "returned"
                ret_sig = st == "returned" and any(x in signal.get(u, ()) for x in range(m - k, m))
                row[u] = (st, False, ret_sig)
            else:
                x = m
                while not act(x):
                    run += 1
                    x -= 1
                st = "dormant" if run < k else "churned"
                sig = st == "churned" and any(x in signal.get(u, ()) for x in range(m - k + 1, m + 1))
                row[u] = (st, sig, False)
        out[m] = row
    return out


def reference_counts(states):
    """{month: {state: n, 'churned_signal': n, 'returned_signal': n, 'cumulative': n}}."""
    out = {}
    for m, row in states.items():
        c = {s: 0 for s in ["new", "new_retained", "active", "woken", "returned", "dormant", "churned",
                            "churned_signal", "returned_signal"]}
        for st, sig, rsig in row.values():
            c[st] += 1
            c["churned_signal"] += sig
            c["returned_signal"] += rsig
        c["cumulative"] = len(row)
        out[m] = c
    return out
