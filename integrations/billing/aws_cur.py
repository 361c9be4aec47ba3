"""AWS Cost and Usage Report 2.0 (CSV or Parquet): ``bill_*``, ``line_item_*``, ``product_*``.

Effective cost follows AWS's own FOCUS mapping: Savings Plan and Reserved Instance covered usage
count at their effective cost, their negation lines at zero, everything else at the net (or
plain) unblended cost. Credits and refunds stay negative.
"""

from __future__ import annotations

from typing import Any

from integrations.billing.common import (
    Converter,
    CostRow,
    ParseOptions,
    amount_of,
    datetime_of,
    month_start,
    optional_amount_of,
    optional_datetime_of,
    parse_currency,
    parse_tags,
    text_or_blank,
)

NAME = "aws-cur"
REQUIRED = (
    "bill_billing_period_start_date",
    "bill_payer_account_id",
    "line_item_usage_start_date",
    "line_item_unblended_cost",
    "line_item_currency_code",
)
_CATEGORY = {
    "Credit": "Credit",
    "Refund": "Credit",
    "BundledDiscount": "Credit",
    "Discount": "Credit",
    "EdpDiscount": "Credit",
    "PrivateRateDiscount": "Credit",
    "Tax": "Tax",
    "Fee": "Purchase",
    "RIFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase",
    "SavingsPlanUpfrontFee": "Purchase",
}


def matches(header: set[str]) -> bool:
    return "line_item_unblended_cost" in header


def missing_columns(header: set[str]) -> list[str]:
    return [c for c in REQUIRED if c not in header]


def converter(header: set[str], options: ParseOptions) -> Converter:
    legacy_tag_columns = [c for c in header if c.startswith("resource_tags_")]

    def amount(rec: dict[str, Any], column: str) -> Any:
        return optional_amount_of(rec.get(column), column, options)

    def convert(number: int, rec: dict[str, Any]) -> CostRow:
        unblended = amount_of(rec["line_item_unblended_cost"], "line_item_unblended_cost", options)
        line_type = text_or_blank(rec.get("line_item_line_item_type"))
        net = amount(rec, "line_item_net_unblended_cost")
        effective = net if net is not None else unblended
        if line_type == "SavingsPlanCoveredUsage":
            effective = amount(rec, "savings_plan_savings_plan_effective_cost") or effective
        elif line_type == "DiscountedUsage":
            effective = amount(rec, "reservation_effective_cost") or effective
        elif line_type in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
            effective = effective * 0
        tags, tags_text = parse_tags(rec.get("resource_tags"), "resource_tags", options)
        for column in legacy_tag_columns:
            value = text_or_blank(rec.get(column))
            if value:
                tags[column.removeprefix("resource_tags_")] = value
        # CUR prefixes user-defined tags with `user_`; the configured keys are plain names.
        tags.update({k.removeprefix("user_"): v for k, v in list(tags.items())})
        legal_entity = text_or_blank(rec.get("line_item_legal_entity"))
        return CostRow(
            row_number=number,
            provider="AWS",
            publisher=legal_entity or "Amazon Web Services",
            invoice_issuer=text_or_blank(rec.get("bill_invoicing_entity")) or legal_entity,
            billing_account_id=text_or_blank(rec.get("bill_payer_account_id")),
            sub_account_id=text_or_blank(rec.get("line_item_usage_account_id")),
            billing_period_start=month_start(
                datetime_of(
                    rec["bill_billing_period_start_date"], "bill_billing_period_start_date", options
                )
            ),
            charge_period_start=datetime_of(
                rec["line_item_usage_start_date"], "line_item_usage_start_date", options
            ),
            charge_period_end=optional_datetime_of(
                rec.get("line_item_usage_end_date"), "line_item_usage_end_date", options
            ),
            charge_category=_CATEGORY.get(line_type, "Usage"),
            service_name=text_or_blank(
                rec.get("product_servicecode") or rec.get("line_item_product_code")
            ),
            region=text_or_blank(rec.get("product_region_code") or rec.get("product_region")),
            resource_id=text_or_blank(rec.get("line_item_resource_id")),
            sku_id=text_or_blank(rec.get("product_sku")),
            billed_cost=unblended,
            effective_cost=effective,
            list_cost=amount(rec, "pricing_public_on_demand_cost"),
            currency=parse_currency(
                text_or_blank(rec["line_item_currency_code"]), "line_item_currency_code", options
            ),
            tags=tags,
            tags_text=tags_text or (_dump(tags) if tags else ""),
        )

    return convert


def _dump(tags: dict[str, str]) -> str:
    import json

    return json.dumps(tags, sort_keys=True)
