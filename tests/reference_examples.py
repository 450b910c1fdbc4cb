"""The example JSON responses of the Customers API reference as Python data.

The document shows the same customer object for "The customer object", "Create
a customer" and "Retrieve a customer"; "Retrieve all customers" wraps it in a
list (its two ``{...}`` placeholders for further customers are left out);
"Update a customer" changes its description; "Delete a customer" answers the
deleted stub. The customer object is copied verbatim, keys in the document's order;
the others are built from it exactly as the document shows them.
"""

from __future__ import annotations

from typing import Any

#: The key, customer, card and token ids the document's examples use.
SEED_KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
SEED_CUSTOMER_ID = "cus_5V50idQJ7fxkRX"
SEED_CARD_ID = "card_15g9tMLdZh7jQOUqZKKlKMIr"
SEED_TOKEN = "tok_15XZLsLdZh7jQOUq86ISvtjn"

#: The curl examples' form parameters ("Create a customer", "Update a customer").
CREATE_PARAMS = {"description": "Customer for test@example.com", "source": SEED_TOKEN}
UPDATE_PARAMS = {"description": "Customer for test@example.com"}
LIST_PARAMS = {"limit": "3"}

#: "The customer object", "Create a customer" and "Retrieve a customer".
CUSTOMER: dict[str, Any] = {
    "object": "customer",
    "created": 1421056271,
    "id": "cus_5V50idQJ7fxkRX",
    "livemode": False,
    "description": "kif",
    "email": "kif@hong.com",
    "delinquent": False,
    "metadata": {},
    "subscriptions": {
        "object": "list",
        "total_count": 0,
        "has_more": False,
        "url": "/v1/customers/cus_5V50idQJ7fxkRX/subscriptions",
        "data": [],
    },
    "discount": None,
    "account_balance": 0,
    "currency": "usd",
    "sources": {
        "object": "list",
        "total_count": 1,
        "has_more": False,
        "url": "/v1/customers/cus_5V50idQJ7fxkRX/sources",
        "data": [
            {
                "id": "card_15g9tMLdZh7jQOUqZKKlKMIr",
                "object": "card",
                "last4": "4242",
                "brand": "Visa",
                "funding": "credit",
                "exp_month": 3,
                "exp_year": 2016,
                "country": "US",
                "name": None,
                "address_line1": None,
                "address_line2": None,
                "address_city": None,
                "address_state": None,
                "address_zip": None,
                "address_country": None,
                "cvc_check": "pass",
                "address_line1_check": None,
                "address_zip_check": None,
                "dynamic_last4": None,
                "metadata": {},
                "customer": "cus_5V50idQJ7fxkRX",
            }
        ],
    },
    "default_source": "card_15g9tMLdZh7jQOUqZKKlKMIr",
}

#: "Retrieve all customers" (``limit=3``), its ``{...}`` placeholders left out:
#: the same customer object as above.
LIST_RESPONSE: dict[str, Any] = {
    "object": "list",
    "url": "/v1/customers",
    "has_more": False,
    "data": [CUSTOMER],
}

#: "Update a customer": the customer object with the new description.
UPDATED_CUSTOMER: dict[str, Any] = {**CUSTOMER, "description": "Customer for test@example.com"}

#: "Delete a customer".
DELETED: dict[str, Any] = {"deleted": True, "id": "cus_5V50idQJ7fxkRX"}

#: Field orders of the document's objects; the fake's card adds ``fingerprint`` after ``exp_year``.
CUSTOMER_KEYS: list[str] = list(CUSTOMER)
SEED_CARD_KEYS: list[str] = list(CUSTOMER["sources"]["data"][0])
CARD_KEYS: list[str] = [
    *SEED_CARD_KEYS[: SEED_CARD_KEYS.index("exp_year") + 1],
    "fingerprint",
    *SEED_CARD_KEYS[SEED_CARD_KEYS.index("exp_year") + 1 :],
]
