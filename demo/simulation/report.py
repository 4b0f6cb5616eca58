"""Figures of a simulated day: end-to-end order rate (webhook sent -> fulfillment order released), latency
percentiles, and the backlog samples, as a dict (for --json) and as text."""

from __future__ import annotations

from orders.models import FulfillmentOrder


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def spread(values: list[float]) -> dict:
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99)}


def end_to_end(channel_id: int, intake) -> dict:
    """Per order: the first released fulfillment order's time minus the webhook's send time."""
    released = {}
    for external_id, at in (FulfillmentOrder.objects.filter(order__channel_id=channel_id, released_at__isnull=False)
                            .order_by("released_at").values_list("order__external_id", "released_at")):
        released.setdefault(external_id, at.timestamp())
    figures: dict = {}
    for phase in ("all", "normal", "flash sale"):
        sent = [s for s in intake.sent if phase == "all" or s.phase == phase]
        done = [(s, released[s.external_id]) for s in sent if s.external_id in released]
        if not done:
            figures[phase] = {"orders": len(sent), "released": 0}
            continue
        first_sent = min(s.sent_at for s in sent)
        last_released = max(at for _, at in done)
        span = max(last_released - first_sent, 1e-6)
        figures[phase] = {
            "orders": len(sent), "released": len(done), "seconds": span,
            "released_per_s": len(done) / span, "released_per_hour": len(done) / span * 3600,
            "latency_ms": spread([(at - s.sent_at) * 1000 for s, at in done]),
        }
    times = sorted(released.values())
    best, j = 0, 0
    for i, t in enumerate(times):  # the busiest 5 seconds of releases
        while times[j] < t - 5:
            j += 1
        best = max(best, i - j + 1)
    figures["peak_released_per_s_5s"] = best / 5
    return figures


def backlog(samples, started: float) -> list[dict]:
    return [{"t": round(s.at - started, 1), "queue": s.queue, "inbox_waiting": s.inbox_waiting, "released": s.released}
            for s in samples]


def _ms(value) -> str:
    return "-" if value is None else f"{value:.0f}"


def as_text(report: dict) -> str:
    out = []
    e2e = report["end_to_end"]
    out.append("End to end (webhook sent -> fulfillment order released):")
    for phase in ("all", "normal", "flash sale"):
        row = e2e.get(phase) or {}
        if row.get("released"):
            lat = row["latency_ms"]
            out.append(f"  {phase:<10} {row['released']}/{row['orders']} released, {row['released_per_s']:.1f} orders/s "
                       f"({row['released_per_hour']:.0f}/h); latency p50 {_ms(lat['p50'])} p95 {_ms(lat['p95'])} "
                       f"p99 {_ms(lat['p99'])} ms")
        else:
            out.append(f"  {phase:<10} {row.get('released', 0)}/{row.get('orders', 0)} released")
    out.append(f"  busiest 5 s: {e2e['peak_released_per_s_5s']:.1f} releases/s")
    out.append("Webhook offered vs sent: " + ", ".join(
        f"{phase} {p['offered_per_s']:.0f}/s offered, {p['sent_per_s']:.0f}/s sent" for phase, p in report["phases"].items()))
    out.append("Latency (ms)            n     p50    p95    p99")
    for name, lat in report["latency_ms"].items():
        out.append(f"  {name:<20} {lat['n']:>5} {_ms(lat['p50']):>6} {_ms(lat['p95']):>6} {_ms(lat['p99']):>6}")
    samples = report["backlog"]
    if samples:
        step = max(1, len(samples) // 30)
        out.append("Backlog (t s: celery queue / inbox waiting / released):")
        out.append("  " + "  ".join(f"{s['t']:.0f}:{'-' if s['queue'] is None else s['queue']}/{s['inbox_waiting']}/{s['released']}"
                                    for s in samples[::step]))
        peak_queue = max((s["queue"] or 0) for s in samples)
        peak_inbox = max(s["inbox_waiting"] for s in samples)
        out.append(f"  peak celery queue {peak_queue}, peak inbox waiting {peak_inbox}")
    floor = report["floor"]
    out.append(f"Floor: {floor['waves']} waves, {floor['sessions']} sessions, {floor['lines_picked']} lines picked, "
               f"{floor['lines_failed']} reported short/empty, {floor['packs_labelled']} packs labelled, "
               f"{len(floor['packs_left'])} left at pack-out, {floor['manifests']} manifests closed "
               f"({floor['seconds']:.0f} s)")
    if floor["refused"]:
        out.append(f"  refused scans the handhelds recovered from ({len(floor['refused'])}): " + "; ".join(floor["refused"][:3]))
    if floor["server_errors"]:
        out.append(f"  SERVER ERRORS ({len(floor['server_errors'])}, each retried once): " + "; ".join(floor["server_errors"][:5]))
    if floor["problems"]:
        out.append(f"  floor problems ({len(floor['problems'])}): " + "; ".join(floor["problems"][:5]))
    check = report["invariants"]
    out.append(f"Orders: {check['webhooks_sent']} webhooks sent, {check['deliveries']} deliveries, {check['orders']} orders "
               f"({check['lost_count']} lost, {check['duplicated_count']} duplicated, {check['unexpected_orders']} unexpected); "
               f"by status {check['orders_by_status']}")
    out.append(f"Stock: {len(check['drift_findings'])} drift findings (ledger vs bins vs levels), "
               f"{check['negative_levels']} oversold or negative levels, {check['negative_bins']} negative bins; "
               f"{check['uncovered_by_flagged_stock']} levels whose reservations wait for a re-source after flagged stock")
    for finding in check["drift_findings"][:10]:
        out.append(f"  DRIFT {finding}")
    out.append("INVARIANTS CLEAN" if check["clean"] else "INVARIANTS BROKEN")
    return "\n".join(out)
