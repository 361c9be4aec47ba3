"""Any CSV through a saved column mapping: SaaS invoices, LLM API usage, seat bills.

A mapping spec is JSON::

    {"columns": {"charge_date": "Date", "billed_cost": "Amount", "currency": "Currency",
                 "service_name": "Product", "team": "Team"},
     "defaults": {"currency": "USD", "provider": "OpenAI"}}

``charge_date`` and ``billed_cost`` need a column; ``currency`` and ``provider`` (or
``publisher``) need a column or a default. Other fields are optional.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from integrations.billing.common import (
    Converter,
    CostRow,
    ParseOptions,
    RowProblem,
    amount_of,
    datetime_of,
    month_start,
    optional_amount_of,
    parse_currency,
    parse_tags,
    text_or_blank,
)

NAME = "mapped"
FIELDS = (
    "charge_date",
    "billed_cost",
    "effective_cost",
    "currency",
    "provider",
    "publisher",
    "invoice_issuer",
    "service_name",
    "billing_account_id",
    "sub_account_id",
    "billing_period_start",
    "charge_category",
    "region",
    "resource_id",
    "sku_id",
    "team",
    "tags",
)
NEEDS_COLUMN = ("charge_date", "billed_cost")
DEFAULTABLE = (
    "currency",
    "provider",
    "publisher",
    "invoice_issuer",
    "service_name",
    "billing_account_id",
    "charge_category",
    "team",
)


class MappingError(ValueError):
    """A column mapping that cannot be used."""


@dataclass(frozen=True)
class MappingSpec:
    columns: dict[str, str]
    defaults: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str) -> MappingSpec:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise MappingError(f"the mapping is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise MappingError("the mapping must be a JSON object")
        return cls.build(raw.get("columns") or {}, raw.get("defaults") or {})

    @classmethod
    def build(cls, columns: dict[str, Any], defaults: dict[str, Any]) -> MappingSpec:
        cols = {str(k): str(v).strip() for k, v in columns.items() if v and str(v).strip()}
        dflt = {str(k): str(v).strip() for k, v in defaults.items() if v and str(v).strip()}
        unknown = sorted((set(cols) - set(FIELDS)) | (set(dflt) - set(DEFAULTABLE)))
        if unknown:
            raise MappingError(f"unknown mapping field(s): {', '.join(unknown)}")
        for name in NEEDS_COLUMN:
            if name not in cols:
                raise MappingError(f"map a column to {name}")
        if "currency" not in cols and "currency" not in dflt:
            raise MappingError("map a column to currency or give a default currency")
        if not ({"provider", "publisher"} & (set(cols) | set(dflt))):
            raise MappingError("map a column to provider or publisher, or give a default")
        if "currency" in dflt:
            try:
                dflt["currency"] = parse_currency(dflt["currency"], "currency", ParseOptions())
            except RowProblem as exc:
                raise MappingError(exc.problem) from None
        return cls(cols, dflt)

    def to_json(self) -> str:
        return json.dumps({"columns": self.columns, "defaults": self.defaults}, sort_keys=True)


def missing_columns(header: set[str], spec: MappingSpec) -> list[str]:
    return [column for column in spec.columns.values() if column not in header]


def converter(header: set[str], options: ParseOptions, spec: MappingSpec) -> Converter:
    cols, dflt = spec.columns, spec.defaults

    def text(rec: dict[str, Any], name: str) -> str:
        column = cols.get(name)
        value = text_or_blank(rec.get(column)) if column else ""
        return value.strip() or dflt.get(name, "")

    def convert(number: int, rec: dict[str, Any]) -> CostRow:
        date_col = cols["charge_date"]
        start = datetime_of(rec.get(date_col), date_col, options)
        billed = amount_of(rec.get(cols["billed_cost"]), cols["billed_cost"], options)
        effective_col = cols.get("effective_cost")
        effective = (
            optional_amount_of(rec.get(effective_col), effective_col, options)
            if effective_col
            else None
        )
        period_col = cols.get("billing_period_start")
        period = (
            month_start(datetime_of(rec.get(period_col), period_col, options))
            if period_col
            else month_start(start)
        )
        tags_col = cols.get("tags")
        tags, tags_text = parse_tags(rec.get(tags_col), tags_col, options) if tags_col else ({}, "")
        provider = text(rec, "provider")
        publisher = text(rec, "publisher")
        if not (provider or publisher):
            raise RowProblem(cols.get("provider") or cols.get("publisher") or "", "no vendor name")
        return CostRow(
            row_number=number,
            provider=provider or publisher,
            publisher=publisher or provider,
            invoice_issuer=text(rec, "invoice_issuer"),
            billing_account_id=text(rec, "billing_account_id"),
            sub_account_id=text(rec, "sub_account_id"),
            billing_period_start=period,
            charge_period_start=start,
            charge_period_end=None,
            charge_category=text(rec, "charge_category") or "Usage",
            service_name=text(rec, "service_name"),
            region=text(rec, "region"),
            resource_id=text(rec, "resource_id"),
            sku_id=text(rec, "sku_id"),
            billed_cost=billed,
            effective_cost=billed if effective is None else effective,
            list_cost=None,
            currency=parse_currency(
                text(rec, "currency"), cols.get("currency", "currency"), options
            ),
            tags=tags,
            tags_text=tags_text,
            team=text(rec, "team"),
        )

    return convert
