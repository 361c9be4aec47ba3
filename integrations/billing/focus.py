"""FOCUS 1.0, 1.1 and 1.2 cost and usage exports (CSV or Parquet).

1.2 renamed ProviderName and PublisherName to ServiceProviderName (and added HostProviderName);
both spellings are read. Unknown columns, including the spec's ``x_`` extension columns, are
ignored. The NULL literal (as in the FinOps Foundation sample) is a null.
"""

from __future__ import annotations

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

NAME = "focus"
REQUIRED = ("BilledCost", "BillingCurrency", "ChargePeriodStart", "BillingPeriodStart")
PROVIDER_COLUMNS = ("ProviderName", "ServiceProviderName")
MAX_CACHED_TAG_SETS = 50_000
MAX_CACHED_MOMENTS = 100_000


def matches(header: set[str]) -> bool:
    return {"BilledCost", "ChargePeriodStart"} <= header


def missing_columns(header: set[str]) -> list[str]:
    missing = [c for c in REQUIRED if c not in header]
    if not header & set(PROVIDER_COLUMNS):
        missing.append("ProviderName")
    return missing


def converter(header: set[str], options: ParseOptions) -> Converter:
    provider_col = "ProviderName" if "ProviderName" in header else "ServiceProviderName"
    publisher_col = "PublisherName" if "PublisherName" in header else provider_col
    has_effective = "EffectiveCost" in header
    # Exports repeat the same few timestamps and currencies on every row: parse each once.
    moments: dict[Any, Any] = {}
    currencies: dict[Any, str] = {}
    tag_sets: dict[str, tuple[dict[str, str], str]] = {}

    def moment(value: Any, column: str) -> Any:
        key = (value, column)
        found = moments.get(key)
        if found is None:
            found = datetime_of(value, column, options)
            if len(moments) >= MAX_CACHED_MOMENTS:  # keep memory flat on long files
                moments.clear()
            moments[key] = found
        return found

    def convert(number: int, rec: dict[str, Any]) -> CostRow:
        billed = amount_of(rec["BilledCost"], "BilledCost", options)
        effective_raw = rec.get("EffectiveCost") if has_effective else None
        effective = (
            billed
            if effective_raw is None or effective_raw == "NULL"
            else amount_of(effective_raw, "EffectiveCost", options)
        )
        raw_currency = rec["BillingCurrency"]
        currency = currencies.get(raw_currency)
        if currency is None:
            currency = parse_currency(text_or_blank(raw_currency), "BillingCurrency", options)
            currencies[raw_currency] = currency
        start = moment(rec["ChargePeriodStart"], "ChargePeriodStart")
        end_raw = rec.get("ChargePeriodEnd")
        end = (
            None
            if end_raw is None or end_raw == "NULL" or end_raw == ""
            else moment(end_raw, "ChargePeriodEnd")
        )
        period = moment(rec["BillingPeriodStart"], "BillingPeriodStart")
        raw_tags = rec.get("Tags")
        if type(raw_tags) is str:  # tag sets repeat across rows: parse each distinct one once
            parsed = tag_sets.get(raw_tags)
            if parsed is None:
                parsed = parse_tags(raw_tags, "Tags", options)
                if len(tag_sets) < MAX_CACHED_TAG_SETS:
                    tag_sets[raw_tags] = parsed
            tags, tags_text = parsed
        else:
            tags, tags_text = parse_tags(raw_tags, "Tags", options)
        provider = text_or_blank(rec.get(provider_col))
        if not provider:
            raise RowProblem(provider_col, "provider name is blank")
        return CostRow(
            row_number=number,
            provider=provider,
            publisher=text_or_blank(rec.get(publisher_col)),
            invoice_issuer=text_or_blank(rec.get("InvoiceIssuerName")),
            billing_account_id=text_or_blank(rec.get("BillingAccountId")),
            sub_account_id=text_or_blank(rec.get("SubAccountId")),
            billing_period_start=month_start(period),
            charge_period_start=start,
            charge_period_end=end,
            charge_category=text_or_blank(rec.get("ChargeCategory")) or "Usage",
            service_name=text_or_blank(rec.get("ServiceName")),
            region=text_or_blank(rec.get("RegionId") or rec.get("Region")),
            resource_id=text_or_blank(rec.get("ResourceId")),
            sku_id=text_or_blank(rec.get("SkuId")),
            billed_cost=billed,
            effective_cost=effective,
            list_cost=optional_amount_of(rec.get("ListCost"), "ListCost", options),
            currency=currency,
            tags=tags,
            tags_text=tags_text,
        )

    return convert
