"""Google Cloud billing export as CSV (the BigQuery detailed or standard export, saved as CSV).

Column names are read with dots or underscores (``service.description`` or
``service_description``). Billed and effective cost are ``cost`` plus the credits, which Google
gives as a JSON list of ``{"name", "amount"}`` with negative amounts.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from integrations.billing.common import (
    Converter,
    CostRow,
    ParseOptions,
    RowProblem,
    amount_of,
    datetime_of,
    month_start,
    optional_datetime_of,
    parse_currency,
    parse_tags,
    text_or_blank,
)
from integrations.billing.input_rules import is_ascii_digits

NAME = "gcp"
REQUIRED = ("billing_account_id", "cost", "currency", "usage_start_time")


def normalise(name: str) -> str:
    return name.strip().lower().replace(".", "_").replace(" ", "_")


def same_field(header: set[str]) -> tuple[str, str] | None:
    """(column, problem) when two columns name one field (``a.b`` and ``a_b``), naming both."""
    seen: dict[str, str] = {}
    for name in sorted(header):
        key = normalise(name)
        if key in seen:
            return name, (
                f"columns {seen[key]!r} and {name!r} both name the field {key!r}; "
                "remove one (the file is ambiguous)"
            )
        seen[key] = name
    return None


def matches(header: set[str]) -> bool:
    names = {normalise(h) for h in header}
    return {"billing_account_id", "cost", "usage_start_time"} <= names


def missing_columns(header: set[str]) -> list[str]:
    names = {normalise(h) for h in header}
    return [c for c in REQUIRED if c not in names]


def converter(header: set[str], options: ParseOptions) -> Converter:
    by_name = {normalise(h): h for h in header}

    def get(rec: dict[str, Any], name: str) -> Any:
        column = by_name.get(name)
        return None if column is None else rec.get(column)

    def credits_total(rec: dict[str, Any], cost: Any) -> Any:
        raw = get(rec, "credits")
        if raw is None or raw in ("", "[]", "NULL"):
            return cost * 0
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise RowProblem(by_name["credits"], "credits is not a JSON list") from None
        total = cost * 0
        for item in items or []:
            if isinstance(item, dict) and item.get("amount") is not None:
                total += amount_of(
                    item["amount"],
                    by_name["credits"],
                    options,
                )
        return total

    def convert(number: int, rec: dict[str, Any]) -> CostRow:
        cost = amount_of(get(rec, "cost"), by_name["cost"], options)
        net = cost + credits_total(rec, cost)
        start = datetime_of(get(rec, "usage_start_time"), by_name["usage_start_time"], options)
        invoice_month = text_or_blank(get(rec, "invoice_month"))
        if len(invoice_month) == 6 and (
            is_ascii_digits(invoice_month) or (options.lenient and invoice_month.isdigit())
        ):
            period = date(int(invoice_month[:4]), int(invoice_month[4:]), 1)
        elif invoice_month:
            raise RowProblem(by_name["invoice_month"], f"{invoice_month!r} is not YYYYMM")
        else:
            period = month_start(start)
        labels, labels_text = parse_tags(
            get(rec, "labels"), by_name.get("labels", "labels"), options
        )
        project_labels, _ = parse_tags(
            get(rec, "project_labels"), by_name.get("project_labels", "project_labels"), options
        )
        tags = {**project_labels, **labels}
        seller = text_or_blank(get(rec, "seller_name"))
        return CostRow(
            row_number=number,
            provider="Google Cloud",
            publisher=seller or "Google Cloud",
            invoice_issuer="Google",
            billing_account_id=text_or_blank(get(rec, "billing_account_id")),
            sub_account_id=text_or_blank(get(rec, "project_id")),
            billing_period_start=period,
            charge_period_start=start,
            charge_period_end=optional_datetime_of(
                get(rec, "usage_end_time"), by_name.get("usage_end_time", ""), options
            ),
            charge_category="Usage",
            service_name=text_or_blank(get(rec, "service_description")),
            region=text_or_blank(get(rec, "location_region")),
            resource_id=text_or_blank(get(rec, "resource_name")),
            sku_id=text_or_blank(get(rec, "sku_id")),
            billed_cost=net,
            effective_cost=net,
            list_cost=None,
            currency=parse_currency(
                text_or_blank(get(rec, "currency")), by_name["currency"], options
            ),
            tags=tags,
            tags_text=labels_text or (json.dumps(tags, sort_keys=True) if tags else ""),
        )

    return convert
