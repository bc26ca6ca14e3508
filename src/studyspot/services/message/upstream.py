"""The other services the message service asks, and the records they answer with.

Only this module imports another service's client module (lint-imports); the
service's other modules import what they need from here.
"""

from __future__ import annotations

from studyspot.services.auth.client import DEV_LINK_KEY as DEV_LINK_KEY
from studyspot.services.auth.client import LINK_TOPICS as LINK_TOPICS
from studyspot.services.auth.client import AuthClient as AuthClient
from studyspot.services.auth.client import LinkBox as LinkBox
from studyspot.services.auth.client import OwnerContact as OwnerContact
from studyspot.services.booking.client import BookingClient as BookingClient
from studyspot.services.library.client import LibraryClient as LibraryClient
from studyspot.services.payment.client import PaymentClient as PaymentClient
from studyspot.services.student.client import ADMITTED_TOPIC as ADMITTED_TOPIC
from studyspot.services.student.client import CONSENT_TOPIC as CONSENT_TOPIC
from studyspot.services.student.client import GUARDIAN_CONSENT_TOPIC as GUARDIAN_CONSENT_TOPIC
from studyspot.services.student.client import GuardianConsentNeeded as GuardianConsentNeeded
from studyspot.services.student.client import InternalStudent as InternalStudent
from studyspot.services.student.client import StudentClient as StudentClient
from studyspot.services.student.client import StudentConsentRecorded as StudentConsentRecorded
from studyspot.services.subscription.client import CREDITS_PURCHASED as CREDITS_PURCHASED
from studyspot.services.subscription.client import CreditOrder as CreditOrder
from studyspot.services.subscription.client import CreditOrderCheck as CreditOrderCheck
from studyspot.services.subscription.client import CreditOrderRequest as CreditOrderRequest
from studyspot.services.subscription.client import CreditPaymentCheck as CreditPaymentCheck
from studyspot.services.subscription.client import CreditProvider as CreditProvider
from studyspot.services.subscription.client import CreditsPurchased as CreditsPurchased
from studyspot.services.subscription.client import SubscriptionClient as SubscriptionClient
