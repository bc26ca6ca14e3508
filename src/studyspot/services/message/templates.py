"""Message texts: templates per kind, channel and language, rendered in Jinja2's sandbox.

Each kind declares its variables and their types. Rendering checks them
(missing, unknown or of the wrong type: 422), and a variable a template names
that was not given is an error too (StrictUndefined), so a message never goes
out as "Dear ,". The sandbox keeps a template from reaching Python internals,
which matters because owners may write their own wording (`overrides.py`).

Filters: `inr` (paise → ₹1,50,000.00), `date` (YYYY-MM-DD → 06 Dec 2026),
`datetime` (ISO 8601 → 06 Dec 2026, 14:05 IST).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from studyspot.kit.errors import Unprocessable
from studyspot.kit.india import format_rupees
from studyspot.services.message.channels.base import Category

LANGUAGES = ("en", "hi")
DEFAULT_LANGUAGE = "en"
IST = ZoneInfo("Asia/Kolkata")
# Channels a template is written for; `in_app` is the notification feed.
TEMPLATE_CHANNELS = ("email", "in_app")

VariableType = Literal["text", "paise", "date", "datetime", "link"]


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _as_datetime(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("a time without offset")
    return moment


def _date_filter(value: object) -> str:
    return _as_date(value).strftime("%d %b %Y")


def _datetime_filter(value: object) -> str:
    return _as_datetime(value).astimezone(IST).strftime("%d %b %Y, %H:%M IST")


def _inr_filter(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("amounts are integer paise")
    return format_rupees(value)


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_ENV.filters.update(inr=_inr_filter, date=_date_filter, datetime=_datetime_filter)

# A value of each type, for previews and for checking an owner's template before saving it.
SAMPLES: dict[VariableType, object] = {
    "text": "Priya Sharma",
    "paise": 15_000_000,
    "date": "2026-12-31",
    "datetime": "2026-12-31T18:30:00+05:30",
    "link": "https://studyspot.example/set-password?token=sample",
}


@dataclass(frozen=True)
class Template:
    subject: str  # the e-mail subject, the in-app title
    body: str


@dataclass(frozen=True)
class Kind:
    name: str
    category: Category
    variables: Mapping[str, VariableType]
    # language → channel → template
    templates: Mapping[str, Mapping[str, Template]]

    def sample(self) -> dict[str, object]:
        return {name: SAMPLES[kind] for name, kind in self.variables.items()}


_LINK: dict[str, VariableType] = {"name": "text", "link": "link", "expires_at": "datetime"}

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "password_reset",
            "transactional",
            _LINK,
            {
                "en": {
                    "email": Template(
                        "Reset your StudySpot password",
                        "Hello {{ name }},\n\n"
                        "Someone asked to reset the password of your StudySpot account. "
                        "To choose a new password, open this link:\n\n{{ link }}\n\n"
                        "The link works once and until {{ expires_at | datetime }}. If you did "
                        "not ask for it, ignore this message: your password stays as it is.\n",
                    ),
                },
                "hi": {
                    "email": Template(
                        "अपना StudySpot पासवर्ड बदलें",
                        "नमस्ते {{ name }},\n\n"
                        "आपके StudySpot खाते का पासवर्ड बदलने का अनुरोध मिला है। "
                        "नया पासवर्ड चुनने के लिए यह लिंक खोलें:\n\n{{ link }}\n\n"
                        "यह लिंक एक ही बार और {{ expires_at | datetime }} तक काम करेगा। यदि "
                        "आपने यह अनुरोध नहीं किया, तो इस संदेश को अनदेखा करें: आपका पासवर्ड "
                        "नहीं बदलेगा।\n",
                    ),
                },
            },
        ),
        Kind(
            "invite",
            "transactional",
            _LINK,
            {
                "en": {
                    "email": Template(
                        "You are invited to StudySpot",
                        "Hello {{ name }},\n\n"
                        "Your library has made you a StudySpot login. Choose your password "
                        "with this link:\n\n{{ link }}\n\n"
                        "The link works once and until {{ expires_at | datetime }}.\n",
                    ),
                },
                "hi": {
                    "email": Template(
                        "StudySpot में आपका स्वागत है",
                        "नमस्ते {{ name }},\n\n"
                        "आपकी लाइब्रेरी ने आपके लिए StudySpot लॉगिन बनाया है। इस लिंक से अपना "
                        "पासवर्ड चुनें:\n\n{{ link }}\n\n"
                        "यह लिंक एक ही बार और {{ expires_at | datetime }} तक काम करेगा।\n",
                    ),
                },
            },
        ),
        Kind(
            "guardian_consent",
            "transactional",
            {"student_name": "text", "link": "link", "expires_at": "datetime"},
            {
                "en": {
                    "email": Template(
                        "May we send {{ student_name }}'s reminders to you?",
                        "Hello,\n\n"
                        "{{ student_name }} studies at our library and is under 18, so we ask "
                        "you, as their guardian, before sending reminders (fees due, a seat "
                        "running out). Choose WhatsApp, SMS or e-mail, or none, here:\n\n"
                        "{{ link }}\n\n"
                        "The link works until {{ expires_at | datetime }}. We never send "
                        "promotional messages about a student under 18. You can change your "
                        "answer with the link, or reply STOP to any of our messages.\n",
                    ),
                },
                "hi": {
                    "email": Template(
                        "क्या हम {{ student_name }} के रिमाइंडर आपको भेजें?",
                        "नमस्ते,\n\n"
                        "{{ student_name }} हमारी लाइब्रेरी में पढ़ते हैं और 18 वर्ष से कम आयु "
                        "के हैं, इसलिए रिमाइंडर (बकाया फीस, सीट की अवधि) भेजने से पहले हम "
                        "अभिभावक के रूप में आपसे पूछते हैं। WhatsApp, SMS या ई-मेल चुनें, या "
                        "कोई नहीं, यहाँ:\n\n{{ link }}\n\n"
                        "यह लिंक {{ expires_at | datetime }} तक काम करेगा। 18 वर्ष से कम आयु "
                        "के विद्यार्थी के बारे में हम कभी प्रचार संदेश नहीं भेजते। आप इसी लिंक "
                        "से अपना उत्तर बदल सकते हैं, या हमारे किसी भी संदेश का उत्तर STOP दे "
                        "सकते हैं।\n",
                    ),
                },
            },
        ),
        Kind(
            "booking_confirmed",
            "transactional",
            {"name": "text", "start_date": "date", "end_date": "date", "total_paise": "paise"},
            {
                "en": {
                    "email": Template(
                        "Your seat is confirmed",
                        "Hello {{ name }},\n\nYour seat is booked from {{ start_date | date }} "
                        "to {{ end_date | date }}, {{ total_paise | inr }} in all.\n",
                    ),
                    "in_app": Template(
                        "Your seat is confirmed",
                        "From {{ start_date | date }} to {{ end_date | date }}, "
                        "{{ total_paise | inr }} in all.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "आपकी सीट पक्की हो गई है",
                        "नमस्ते {{ name }},\n\nआपकी सीट {{ start_date | date }} से "
                        "{{ end_date | date }} तक बुक है, कुल {{ total_paise | inr }}।\n",
                    ),
                    "in_app": Template(
                        "आपकी सीट पक्की हो गई है",
                        "{{ start_date | date }} से {{ end_date | date }} तक, "
                        "कुल {{ total_paise | inr }}।",
                    ),
                },
            },
        ),
        Kind(
            "payment_receipt",
            "transactional",
            {
                "name": "text",
                "amount_paise": "paise",
                "invoice_number": "text",
                "paid_at": "datetime",
            },
            {
                "en": {
                    "email": Template(
                        "Payment received: {{ amount_paise | inr }}",
                        "Hello {{ name }},\n\nWe received {{ amount_paise | inr }} on "
                        "{{ paid_at | datetime }}. Your receipt number is "
                        "{{ invoice_number }}.\n\nThank you.\n",
                    ),
                    "in_app": Template(
                        "Payment received: {{ amount_paise | inr }}",
                        "{{ amount_paise | inr }} received on {{ paid_at | datetime }}. "
                        "Receipt number {{ invoice_number }}.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "भुगतान प्राप्त हुआ: {{ amount_paise | inr }}",
                        "नमस्ते {{ name }},\n\n{{ paid_at | datetime }} को "
                        "{{ amount_paise | inr }} प्राप्त हुए। आपकी रसीद संख्या "
                        "{{ invoice_number }} है।\n\nधन्यवाद।\n",
                    ),
                    "in_app": Template(
                        "भुगतान प्राप्त हुआ: {{ amount_paise | inr }}",
                        "{{ paid_at | datetime }} को {{ amount_paise | inr }} प्राप्त हुए। "
                        "रसीद संख्या {{ invoice_number }}।",
                    ),
                },
            },
        ),
        Kind(
            "payment_failed",
            "transactional",
            {"name": "text", "amount_paise": "paise", "failed_at": "datetime"},
            {
                "en": {
                    "email": Template(
                        "Payment not received: {{ amount_paise | inr }}",
                        "Hello {{ name }},\n\nYour payment of {{ amount_paise | inr }} on "
                        "{{ failed_at | datetime }} did not go through, so your fee is still "
                        "unpaid. If money left your account, it comes back on its own; "
                        "please pay again at the desk or online.\n",
                    ),
                    "in_app": Template(
                        "Payment not received: {{ amount_paise | inr }}",
                        "Your payment of {{ amount_paise | inr }} on {{ failed_at | datetime }} "
                        "did not go through. Please pay again.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "भुगतान नहीं मिला: {{ amount_paise | inr }}",
                        "नमस्ते {{ name }},\n\n{{ failed_at | datetime }} को आपका "
                        "{{ amount_paise | inr }} का भुगतान पूरा नहीं हुआ, इसलिए आपका शुल्क अभी "
                        "बाकी है। यदि आपके खाते से पैसे कटे हैं, तो वे अपने आप वापस आ जाएंगे; "
                        "कृपया डेस्क पर या ऑनलाइन फिर से भुगतान करें।\n",
                    ),
                    "in_app": Template(
                        "भुगतान नहीं मिला: {{ amount_paise | inr }}",
                        "{{ failed_at | datetime }} को आपका {{ amount_paise | inr }} का भुगतान "
                        "पूरा नहीं हुआ। कृपया फिर से भुगतान करें।",
                    ),
                },
            },
        ),
        Kind(
            "refund_processed",
            "transactional",
            {"name": "text", "amount_paise": "paise", "refunded_at": "datetime"},
            {
                "en": {
                    "email": Template(
                        "Refund of {{ amount_paise | inr }} sent",
                        "Hello {{ name }},\n\nWe refunded {{ amount_paise | inr }} to you on "
                        "{{ refunded_at | datetime }}. A refund to a card or UPI account can "
                        "take 5 to 7 working days to show.\n",
                    ),
                    "in_app": Template(
                        "Refund of {{ amount_paise | inr }} sent",
                        "{{ amount_paise | inr }} refunded on {{ refunded_at | datetime }}.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "{{ amount_paise | inr }} की वापसी भेजी गई",
                        "नमस्ते {{ name }},\n\n{{ refunded_at | datetime }} को आपको "
                        "{{ amount_paise | inr }} वापस भेजे गए। कार्ड या UPI खाते में वापसी "
                        "दिखने में 5 से 7 कार्यदिवस लग सकते हैं।\n",
                    ),
                    "in_app": Template(
                        "{{ amount_paise | inr }} की वापसी भेजी गई",
                        "{{ refunded_at | datetime }} को {{ amount_paise | inr }} वापस भेजे गए।",
                    ),
                },
            },
        ),
        Kind(
            "renewal_due",
            "reminders",
            {"name": "text", "end_date": "date", "renewal_start_date": "date"},
            {
                "en": {
                    "email": Template(
                        "Your seat runs out on {{ end_date | date }}",
                        "Hello {{ name }},\n\nYour booking ends on {{ end_date | date }}. "
                        "Renew to keep your seat from {{ renewal_start_date | date }}.\n",
                    ),
                    "in_app": Template(
                        "Your seat runs out soon",
                        "Your booking ends on {{ end_date | date }}. Renew to keep your seat "
                        "from {{ renewal_start_date | date }}.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "आपकी सीट {{ end_date | date }} को खत्म होगी",
                        "नमस्ते {{ name }},\n\nआपकी बुकिंग {{ end_date | date }} को खत्म होगी। "
                        "{{ renewal_start_date | date }} से सीट बनाए रखने के लिए नवीनीकरण करें।\n",
                    ),
                    "in_app": Template(
                        "आपकी सीट की अवधि जल्द खत्म होगी",
                        "आपकी बुकिंग {{ end_date | date }} को खत्म होगी। "
                        "{{ renewal_start_date | date }} से सीट बनाए रखने के लिए नवीनीकरण करें।",
                    ),
                },
            },
        ),
        Kind(
            "waitlist_offer",
            "transactional",
            {"name": "text", "offer_expires_at": "datetime"},
            {
                "en": {
                    "email": Template(
                        "A seat is free for you",
                        "Hello {{ name }},\n\nA place you waited for is offered to you until "
                        "{{ offer_expires_at | datetime }}. Book it before then.\n",
                    ),
                    "in_app": Template(
                        "A seat is free for you",
                        "A place you waited for is offered to you until "
                        "{{ offer_expires_at | datetime }}. Book it before then.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "आपके लिए एक सीट खाली है",
                        "नमस्ते {{ name }},\n\nजिस जगह का आप इंतज़ार कर रहे थे, वह "
                        "{{ offer_expires_at | datetime }} तक आपके लिए है। उससे पहले बुक करें।\n",
                    ),
                    "in_app": Template(
                        "आपके लिए एक सीट खाली है",
                        "जिस जगह का आप इंतज़ार कर रहे थे, वह {{ offer_expires_at | datetime }} "
                        "तक आपके लिए है। उससे पहले बुक करें।",
                    ),
                },
            },
        ),
        Kind(
            "fee_due",
            "reminders",
            {"name": "text", "balance_paise": "paise", "due_date": "date"},
            {
                "en": {
                    "email": Template(
                        "Fee of {{ balance_paise | inr }} due on {{ due_date | date }}",
                        "Hello {{ name }},\n\nYour library fee of {{ balance_paise | inr }} is "
                        "due on {{ due_date | date }}. Pay at the desk or online.\n",
                    ),
                    "in_app": Template(
                        "Fee due on {{ due_date | date }}",
                        "{{ balance_paise | inr }} is due on {{ due_date | date }}.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "{{ due_date | date }} को {{ balance_paise | inr }} शुल्क देय",
                        "नमस्ते {{ name }},\n\nआपका लाइब्रेरी शुल्क {{ balance_paise | inr }} "
                        "{{ due_date | date }} को देय है। डेस्क पर या ऑनलाइन भुगतान करें।\n",
                    ),
                    "in_app": Template(
                        "{{ due_date | date }} को शुल्क देय",
                        "{{ balance_paise | inr }} {{ due_date | date }} को देय है।",
                    ),
                },
            },
        ),
        Kind(
            "fee_overdue",
            "reminders",
            {"name": "text", "balance_paise": "paise", "due_date": "date"},
            {
                "en": {
                    "email": Template(
                        "Fee of {{ balance_paise | inr }} is overdue",
                        "Hello {{ name }},\n\nYour library fee of {{ balance_paise | inr }} was "
                        "due on {{ due_date | date }} and is still unpaid. Please pay at the "
                        "desk or online.\n",
                    ),
                    "in_app": Template(
                        "Fee overdue",
                        "{{ balance_paise | inr }} was due on {{ due_date | date }}.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "{{ balance_paise | inr }} शुल्क बकाया है",
                        "नमस्ते {{ name }},\n\nआपका लाइब्रेरी शुल्क {{ balance_paise | inr }} "
                        "{{ due_date | date }} को देय था और अभी बाकी है। कृपया भुगतान करें।\n",
                    ),
                    "in_app": Template(
                        "शुल्क बकाया",
                        "{{ balance_paise | inr }} {{ due_date | date }} को देय था।",
                    ),
                },
            },
        ),
        # The business's own StudySpot account (issue 15), told to the tenant's owners.
        Kind(
            "trial_ending",
            "transactional",
            {"name": "text", "days_left": "text", "trial_ends_at": "datetime"},
            {
                "en": {
                    "email": Template(
                        "Your StudySpot trial ends in {{ days_left }} day(s)",
                        "Hello {{ name }},\n\nYour StudySpot trial ends on "
                        "{{ trial_ends_at | datetime }}. Choose a plan and pay before then to "
                        "keep adding students, seats and libraries; after it your account can "
                        "still read and export everything, but not change anything.\n",
                    ),
                    "in_app": Template(
                        "Trial ends in {{ days_left }} day(s)",
                        "Your trial ends on {{ trial_ends_at | datetime }}. Choose a plan to "
                        "keep your account writable.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "आपका StudySpot ट्रायल {{ days_left }} दिन में खत्म होगा",
                        "नमस्ते {{ name }},\n\nआपका StudySpot ट्रायल "
                        "{{ trial_ends_at | datetime }} को खत्म होगा। उससे पहले प्लान चुनकर "
                        "भुगतान करें, ताकि आप छात्र, सीटें और लाइब्रेरी जोड़ते रहें; उसके बाद "
                        "आप सब कुछ देख और निर्यात कर सकेंगे, पर बदल नहीं सकेंगे।\n",
                    ),
                    "in_app": Template(
                        "ट्रायल {{ days_left }} दिन में खत्म होगा",
                        "आपका ट्रायल {{ trial_ends_at | datetime }} को खत्म होगा। खाता चालू "
                        "रखने के लिए प्लान चुनें।",
                    ),
                },
            },
        ),
        Kind(
            "subscription_pre_debit",
            "transactional",
            {"name": "text", "amount_paise": "paise", "charge_at": "datetime"},
            {
                "en": {
                    "email": Template(
                        "{{ amount_paise | inr }} will be charged on {{ charge_at | datetime }}",
                        "Hello {{ name }},\n\nAs your e-mandate requires, this is notice "
                        "that your StudySpot subscription of {{ amount_paise | inr }} will be "
                        "charged on {{ charge_at | datetime }}. To change or cancel it, open "
                        "Settings > Subscription before then.\n",
                    ),
                    "in_app": Template(
                        "Subscription charge on {{ charge_at | datetime }}",
                        "{{ amount_paise | inr }} will be charged on {{ charge_at | datetime }}.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "{{ charge_at | datetime }} को {{ amount_paise | inr }} का भुगतान कटेगा",
                        "नमस्ते {{ name }},\n\nई-मैंडेट के नियम के अनुसार सूचना: आपकी StudySpot "
                        "सदस्यता के {{ amount_paise | inr }} {{ charge_at | datetime }} को "
                        "काटे जाएँगे। बदलने या रद्द करने के लिए उससे पहले सेटिंग्स > सदस्यता "
                        "खोलें।\n",
                    ),
                    "in_app": Template(
                        "{{ charge_at | datetime }} को सदस्यता भुगतान",
                        "{{ amount_paise | inr }} {{ charge_at | datetime }} को काटे जाएँगे।",
                    ),
                },
            },
        ),
        Kind(
            "subscription_dunning",
            "transactional",
            {"name": "text", "day": "text", "amount_paise": "paise", "due_since": "datetime"},
            {
                "en": {
                    "email": Template(
                        "Your StudySpot payment of {{ amount_paise | inr }} is overdue",
                        "Hello {{ name }},\n\nYour StudySpot renewal of "
                        "{{ amount_paise | inr }} was due on {{ due_since | datetime }} and is "
                        "still unpaid ({{ day }} day(s) now). Please pay it in Settings > "
                        "Subscription; an account left unpaid becomes read-only, then "
                        "suspended. Nothing is deleted.\n",
                    ),
                    "in_app": Template(
                        "Subscription payment overdue",
                        "{{ amount_paise | inr }} was due on {{ due_since | datetime }}. "
                        "Pay it to keep your account writable.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "आपका StudySpot भुगतान {{ amount_paise | inr }} बकाया है",
                        "नमस्ते {{ name }},\n\nआपकी StudySpot सदस्यता का नवीनीकरण "
                        "{{ amount_paise | inr }} {{ due_since | datetime }} को देय था और अभी "
                        "बाकी है ({{ day }} दिन)। कृपया सेटिंग्स > सदस्यता में भुगतान करें; "
                        "भुगतान न होने पर खाता केवल-पढ़ने योग्य, फिर निलंबित हो जाएगा। कुछ भी "
                        "मिटाया नहीं जाता।\n",
                    ),
                    "in_app": Template(
                        "सदस्यता भुगतान बकाया",
                        "{{ amount_paise | inr }} {{ due_since | datetime }} को देय था। खाता "
                        "चालू रखने के लिए भुगतान करें।",
                    ),
                },
            },
        ),
        Kind(
            "subscription_grace",
            "transactional",
            {"name": "text"},
            {
                "en": {
                    "email": Template(
                        "Your StudySpot account is in its grace period",
                        "Hello {{ name }},\n\nYour StudySpot payment is still not made. "
                        "Your account works for a few more days; then it becomes read-only "
                        "until you pay in Settings > Subscription.\n",
                    ),
                    "in_app": Template(
                        "Grace period: please pay",
                        "Your account becomes read-only in a few days unless the payment is made.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "आपका StudySpot खाता छूट अवधि में है",
                        "नमस्ते {{ name }},\n\nआपका StudySpot भुगतान अभी तक नहीं हुआ है। "
                        "खाता कुछ और दिन चलेगा; फिर सेटिंग्स > सदस्यता में भुगतान होने तक "
                        "केवल-पढ़ने योग्य रहेगा।\n",
                    ),
                    "in_app": Template(
                        "छूट अवधि: कृपया भुगतान करें",
                        "भुगतान न होने पर खाता कुछ दिनों में केवल-पढ़ने योग्य हो जाएगा।",
                    ),
                },
            },
        ),
        Kind(
            "subscription_read_only",
            "transactional",
            {"name": "text"},
            {
                "en": {
                    "email": Template(
                        "Your StudySpot account is now read-only",
                        "Hello {{ name }},\n\nYour StudySpot account is read-only: you can "
                        "see and export everything, but not add or change anything. Choose a "
                        "plan and pay in Settings > Subscription to make it writable again at "
                        "once. Nothing is deleted.\n",
                    ),
                    "in_app": Template(
                        "Your account is read-only",
                        "You can read and export everything. Pay in Settings > Subscription to "
                        "make it writable again.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "आपका StudySpot खाता अब केवल-पढ़ने योग्य है",
                        "नमस्ते {{ name }},\n\nआपका StudySpot खाता केवल-पढ़ने योग्य है: आप सब "
                        "कुछ देख और निर्यात कर सकते हैं, पर कुछ जोड़ या बदल नहीं सकते। सेटिंग्स > "
                        "सदस्यता में प्लान चुनकर भुगतान करते ही यह फिर चालू हो जाएगा। कुछ भी "
                        "मिटाया नहीं जाता।\n",
                    ),
                    "in_app": Template(
                        "आपका खाता केवल-पढ़ने योग्य है",
                        "आप सब कुछ देख और निर्यात कर सकते हैं। फिर से चालू करने के लिए "
                        "सेटिंग्स > सदस्यता में भुगतान करें।",
                    ),
                },
            },
        ),
        Kind(
            "subscription_suspended",
            "transactional",
            {"name": "text"},
            {
                "en": {
                    "email": Template(
                        "Your StudySpot account is suspended",
                        "Hello {{ name }},\n\nYour StudySpot account is suspended for "
                        "non-payment: only Settings > Subscription opens until it is paid. "
                        "Your data is kept; nothing is deleted.\n",
                    ),
                    "in_app": Template(
                        "Your account is suspended",
                        "Pay in Settings > Subscription to open your account again. Nothing "
                        "is deleted.",
                    ),
                },
                "hi": {
                    "email": Template(
                        "आपका StudySpot खाता निलंबित है",
                        "नमस्ते {{ name }},\n\nभुगतान न होने के कारण आपका StudySpot खाता "
                        "निलंबित है: भुगतान होने तक केवल सेटिंग्स > सदस्यता खुलेगी। आपका डेटा "
                        "सुरक्षित है; कुछ भी मिटाया नहीं जाता।\n",
                    ),
                    "in_app": Template(
                        "आपका खाता निलंबित है",
                        "खाता फिर खोलने के लिए सेटिंग्स > सदस्यता में भुगतान करें। कुछ भी मिटाया नहीं जाता।",
                    ),
                },
            },
        ),
        Kind(
            "announcement",
            "promotional",
            {"name": "text", "title": "text", "body": "text"},
            {
                "en": {
                    "email": Template("{{ title }}", "Hello {{ name }},\n\n{{ body }}\n"),
                    "in_app": Template("{{ title }}", "{{ body }}"),
                },
                "hi": {
                    "email": Template("{{ title }}", "नमस्ते {{ name }},\n\n{{ body }}\n"),
                    "in_app": Template("{{ title }}", "{{ body }}"),
                },
            },
        ),
        Kind(
            "notice",
            "reminders",
            {"name": "text", "title": "text", "body": "text"},
            {
                "en": {
                    "email": Template("{{ title }}", "Hello {{ name }},\n\n{{ body }}\n"),
                    "in_app": Template("{{ title }}", "{{ body }}"),
                },
                "hi": {
                    "email": Template("{{ title }}", "नमस्ते {{ name }},\n\n{{ body }}\n"),
                    "in_app": Template("{{ title }}", "{{ body }}"),
                },
            },
        ),
        # News of a branch for its owners and the staff assigned to it (`library_notices.py`):
        # in the feed only.
        Kind(
            "library_admission",
            "transactional",
            {"name": "text", "student_name": "text", "enrollment_number": "text"},
            {
                "en": {
                    "in_app": Template(
                        "New admission: {{ student_name }}",
                        "{{ student_name }} was admitted (enrollment {{ enrollment_number }}).",
                    ),
                },
                "hi": {
                    "in_app": Template(
                        "नया प्रवेश: {{ student_name }}",
                        "{{ student_name }} का प्रवेश हुआ (नामांकन {{ enrollment_number }})।",
                    ),
                },
            },
        ),
        Kind(
            "library_payment",
            "transactional",
            {
                "name": "text",
                "amount_paise": "paise",
                "invoice_number": "text",
                "paid_at": "datetime",
            },
            {
                "en": {
                    "in_app": Template(
                        "Payment received: {{ amount_paise | inr }}",
                        "{{ amount_paise | inr }} received on {{ paid_at | datetime }} "
                        "({{ invoice_number }}).",
                    ),
                },
                "hi": {
                    "in_app": Template(
                        "भुगतान प्राप्त: {{ amount_paise | inr }}",
                        "{{ paid_at | datetime }} को {{ amount_paise | inr }} प्राप्त हुए "
                        "({{ invoice_number }})।",
                    ),
                },
            },
        ),
        Kind(
            "library_booking_cancelled",
            "transactional",
            {"name": "text", "start_date": "date", "end_date": "date"},
            {
                "en": {
                    "in_app": Template(
                        "Booking cancelled",
                        "A booking from {{ start_date | date }} to {{ end_date | date }} was "
                        "cancelled; its seat is free again.",
                    ),
                },
                "hi": {
                    "in_app": Template(
                        "बुकिंग रद्द",
                        "{{ start_date | date }} से {{ end_date | date }} तक की एक बुकिंग रद्द "
                        "हुई; उसकी सीट फिर से खाली है।",
                    ),
                },
            },
        ),
    )
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


def kind_of(name: str) -> Kind:
    found = KINDS.get(name)
    if found is None:
        raise Unprocessable(f"No message kind {name}", code="template_missing")
    return found


def default_template(kind: Kind, channel: str, language: str) -> Template | None:
    """The built-in wording: in `language`, else English; None if the kind has none here."""
    by_channel = kind.templates.get(language) or kind.templates[DEFAULT_LANGUAGE]
    return by_channel.get(channel) or kind.templates[DEFAULT_LANGUAGE].get(channel)


def _is_a(type_: VariableType, value: object) -> bool:
    try:
        if type_ == "paise":
            _inr_filter(value)
        elif type_ == "date":
            _as_date(value)
        elif type_ == "datetime":
            _as_datetime(value)
        elif type_ == "link":
            return str(value).startswith(("https://", "http://"))
        else:
            return isinstance(value, str)
    except (TypeError, ValueError):
        return False
    return True


def check_variables(kind: Kind, variables: Mapping[str, object]) -> None:
    """No variable the kind does not declare, each of its type (422 otherwise). One a
    template uses but that was not given fails the rendering (StrictUndefined)."""
    unknown = sorted(set(variables) - set(kind.variables))
    if unknown:
        raise Unprocessable(
            f"Variables not declared for {kind.name}: {', '.join(unknown)}",
            code="template_variables_invalid",
        )
    for name, type_ in kind.variables.items():
        if name in variables and not _is_a(type_, variables[name]):
            raise Unprocessable(f"{name} is not a {type_}", code="template_variables_invalid")


def render_text(template: Template, variables: Mapping[str, object]) -> Rendered:
    """Render in the sandbox; a template error (an unknown variable, a filter refusing a
    value, a forbidden attribute) is a 422 `template_invalid`."""
    try:
        return Rendered(
            _ENV.from_string(template.subject).render(**variables).strip(),
            _ENV.from_string(template.body).render(**variables),
        )
    except (TemplateError, TypeError, ValueError) as exc:
        raise Unprocessable(
            f"The template cannot be rendered: {type(exc).__name__}", code="template_invalid"
        ) from exc


def render(
    kind_name: str,
    channel: str,
    language: str,
    variables: Mapping[str, object],
    *,
    override: Template | None = None,
) -> Rendered:
    """The message of `kind_name` for `channel` in `language`: the tenant's own wording
    (`override`) if it has one, else the built-in one."""
    kind = kind_of(kind_name)
    check_variables(kind, variables)
    template = override or default_template(kind, channel, language)
    if template is None:
        raise Unprocessable(f"No {channel} template for {kind_name}", code="template_missing")
    return render_text(template, variables)


def variables_for(kind_name: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The declared variables of a kind picked out of a wider mapping (an event's payload)."""
    kind = kind_of(kind_name)
    return {name: values[name] for name in kind.variables if name in values}


_FORMATS = {
    "paise": _inr_filter,
    "date": _date_filter,
    "datetime": _datetime_filter,
}


def parameters(kind_name: str, variables: Mapping[str, object]) -> tuple[str, ...]:
    """The values of a kind's variables in declared order, written for a person: the body
    parameters of a registered WhatsApp or DLT SMS template."""
    kind = kind_of(kind_name)
    return tuple(
        _FORMATS.get(type_, str)(variables[name])
        for name, type_ in kind.variables.items()
        if name in variables
    )


def text_channel(kind_name: str) -> str:
    """The channel whose wording stands for a kind's text on WhatsApp and SMS."""
    kind = kind_of(kind_name)
    return "in_app" if default_template(kind, "in_app", DEFAULT_LANGUAGE) else "email"
