"""Every user-visible error text of the fake, in one place."""

from __future__ import annotations

# Authentication (401 authentication_error)
NO_API_KEY = (
    "You did not provide an API key. You need to provide your API key in the "
    "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
    "YOUR_SECRET_KEY') or Basic auth (curl -u YOUR_SECRET_KEY:). See "
    "https://tofupay.com/docs/api#authentication for details."
)
INVALID_API_KEY = "Invalid API Key provided: {masked}"
PUBLISHABLE_KEY_NOT_ALLOWED = "This API call cannot be made with a publishable API key."
BAD_KEY_FORMAT = (
    "{what} {key!r} is not a Tofupay secret key: a key is 'sk_test_' or 'sk_live_' followed "
    "by letters and digits only (e.g. sk_test_4eC39HqLyjWDarjtT1zdp7dc)."
)
MALFORMED_AUTHORIZATION = (
    "Invalid Authorization header. Send your secret key as 'Authorization: Bearer "
    "sk_test_...' or with Basic auth, the key as user name and an empty password "
    "(curl -u sk_test_...:)."
)

# Routing (404 invalid_request_error)
UNRECOGNIZED_URL = "Unrecognized request URL ({method}: {path})."

# Request bodies and parameters (400 invalid_request_error)
JSON_BODY = (
    "Invalid request: request bodies must be form-encoded "
    "(Content-Type: application/x-www-form-urlencoded), not JSON. "
    "With httpx or requests pass data={...} rather than json={...}."
)
UNSUPPORTED_CONTENT_TYPE = (
    "Invalid request: unsupported Content-Type {content_type!r}; request bodies "
    "must be form-encoded (application/x-www-form-urlencoded)."
)
UNDECODABLE_BODY = "Invalid request: the {where} is not valid UTF-8 form encoding."
BODY_TOO_LARGE = "Request body too large: the limit is {limit} bytes."
UNKNOWN_PARAMETER = "Received unknown parameter: {name}"
CONFLICTING_PARAMETER = (
    "Invalid parameter {name}: it was sent both as a single value and as a "
    "hash or array (e.g. both {name}=... and {name}[...]=...)."
)
TOO_DEEPLY_NESTED = "Invalid parameter {name}: nested more than {depth} levels deep."
INVALID_INTEGER = "Invalid integer: {value}"
INVALID_STRING = "Invalid string: {value}"
INVALID_TEXT = "Invalid {name}: the text is not valid Unicode (it has a lone surrogate)."
INVALID_ARRAY = "Invalid array"
INVALID_HASH = "Invalid hash"
INVALID_EMAIL = "Invalid email address: {value}"
INTEGER_TOO_SMALL = "This value must be greater than or equal to {minimum}."
INTEGER_TOO_LARGE = "This value must be less than or equal to {maximum}."
CANNOT_UNSET = (
    "You passed an empty string for '{name}'. We assume empty values are an "
    "attempt to unset a parameter; however '{name}' cannot be unset. You should "
    "remove '{name}' from your request or supply a non-empty value."
)
CANNOT_EXPAND = "This property cannot be expanded ({name})."
BOTH_CARD_AND_SOURCE = "Received both card and source parameters. Please pass in only one."
NO_SUCH_TOKEN = "No such token: {id}"
TOKEN_ALREADY_USED = "You cannot use a Tofupay token more than once: {id}."
MISSING_PARAM = "Missing required param: {name}."
INVALID_CARD_OBJECT = "Invalid {param}[object]: {value!r}. A card dictionary must have object=card."
INVALID_SOURCE_OBJECT = "Invalid object: {value!r}. Must be one of: card, bank_account."
NO_LINKED_SOURCE = "Customer {customer} does not have a linked source with ID {source}."
SOURCE_AND_DEFAULT_SOURCE = (
    "You may only specify one of these parameters: source, default_source. A new "
    "source already becomes the default."
)
BOTH_CURSORS = "You may only specify one of these parameters: starting_after, ending_before."

# Metadata limits (400 invalid_request_error, param metadata)
METADATA_TOO_MANY_KEYS = "Invalid metadata: metadata can have at most {limit} keys; got {count}."
METADATA_KEY_TOO_LONG = (
    "Invalid metadata: keys must be at most {limit} characters; {key!r} has {length}."
)
METADATA_KEY_BRACKETS = "Invalid metadata: keys cannot contain '[' or ']': {key!r}."
METADATA_VALUE_TOO_LONG = "Invalid metadata: values must be at most {limit} characters; the value of {key!r} has {length}."
METADATA_VALUE_NOT_STRING = (
    "Invalid metadata: the value of {key!r} must be a string, not a hash or array."
)

# Missing objects (404 invalid_request_error)
NO_SUCH_CUSTOMER = "No such customer: {id}"

# Card declines (402 card_error)
CARD_DECLINED = "Your card was declined."
INSUFFICIENT_FUNDS = "Your card has insufficient funds."
EXPIRED_CARD = "Your card has expired."
INCORRECT_CVC = "Your card's security code is incorrect."
PROCESSING_ERROR = "An error occurred while processing your card. Try again in a little bit."

# List params (400 invalid_request_error)
INVALID_INCLUDE = (
    "Invalid include[]: {value!r}. The only value that can be included is total_count."
)

# Card validation (402 card_error, param number / exp_month / exp_year / cvc)
INCORRECT_NUMBER = "Your card number is incorrect."
INVALID_EXPIRY_MONTH = "Your card's expiration month is invalid."
INVALID_EXPIRY_YEAR = "Your card's expiration year is invalid."
INVALID_CVC = "Your card's security code is invalid."

# More missing objects (404 invalid_request_error)
NO_SUCH_SOURCE = "No such source: {id}"
NO_SUCH_SUBSCRIPTION = "No such subscription: {id}"

# Idempotency
IDEMPOTENCY_MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters they were "
    "first used with. Try using a key other than '{key}' if you meant to execute a "
    "different request."
)
IDEMPOTENCY_KEY_TOO_LONG = (
    "Invalid Idempotency-Key: keys can be at most {limit} characters long; this one has {length}."
)

# Injected faults (fake.fail_next)
API_ERROR = "An unknown error occurred. (Injected by tofupay_fake's fail_next.)"
RATE_LIMIT = (
    "Too many requests hit the API too quickly. We recommend an exponential backoff of "
    "your requests. (Injected by tofupay_fake's fail_next.)"
)
INJECTED_STATUS = "Injected error with status {status}. (Injected by tofupay_fake's fail_next.)"

# Seeding (add_customer and POST /_fake/customers)
SEED_ID_INVALID = "Invalid id {value!r}: a customer id is 'cus_' and 14 letters or digits."
SEED_ID_TAKEN = "Invalid id {value}: this account already has (or had) a customer with that id."

# Control endpoints of server mode (400 invalid_request_error)
CONTROL_BAD_ERROR = (
    "Invalid error {value!r}: use api_error, rate_limit, card_declined, timeout, "
    "connection_error or a status code 400..599."
)
CONTROL_BAD_WHEN = "Invalid when {value!r}: use before or after."
CONTROL_BAD_DELAY = "Invalid delay {value!r}: a number of seconds from 0 to {most:g}."
CONTROL_BAD_METHOD = "Invalid method {value!r}: use GET, POST or DELETE."
CONTROL_BAD_METHOD_FILTER = "Invalid method {value!r}: an HTTP method such as GET, POST or DELETE."
CONTROL_BAD_PATH = "Invalid path {value!r}: a path starts with / (e.g. /v1/customers/*)."
CONTROL_BAD_JSON = "Invalid request: the body is not a JSON object."
CONTROL_BAD_VALUE = "Invalid request: {detail}."
CONTROL_BAD_FLAG = "Invalid boolean for {name}: use true or false."
CONTROL_ID_WITH_N = "Invalid id: id names one customer, so it cannot be sent with n."
CONTROL_CLOCK_ONE_OF = (
    "Send exactly one of advance (whole seconds >= 0) or set (a Unix time, or an ISO date "
    "or datetime such as 2026-01-15 or 2026-01-15T10:00:00Z)."
)
CONTROL_CLOCK_BAD_SET = (
    "Invalid set {value!r}: a Unix time (whole seconds, 0 to 253402300799), or an ISO date "
    "or datetime such as 2026-01-15 or 2026-01-15T10:00:00Z, up to the year 9999."
)
CONTROL_CLOCK_TOO_FAR = (
    "Invalid advance {value}: it would move the clock past the year 9999 "
    "(the latest time is 253402300799)."
)
CONTROL_FIXTURES_NOT_JSON = (
    'Invalid request: the body must be a fixture document in JSON: {"_meta": '
    '{"template_version": 0}, "fixtures": [...]}.'
)
EXCEPTION_OVER_HTTP = (
    "tofupay_fake: fail_next({error}) raises an exception into an in-process client; "
    "over HTTP it cannot, so the server answers this 500 instead."
)
CONTROL_SNAPSHOT_INVALID = (
    "Invalid snapshot: {detail}. Send the text of GET /_fake/snapshot (or of "
    "Snapshot.to_json()) as the body."
)

# Who may use the control endpoints (403 invalid_request_error)
CONTROL_FOREIGN_ORIGIN = (
    "Forbidden: a page of origin {value!r} may not use the control endpoints. "
    "Start the server with --allow-origin {value} to allow it."
)
CONTROL_FOREIGN_HOST = (
    "Forbidden: Host {value!r} is not a name of this server. "
    "Start the server with --allow-host NAME to answer to another name."
)
