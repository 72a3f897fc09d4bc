"""The ways a notification leaves the service, behind one small interface:
`send(message) -> DeliveryResult(ok, transient, provider_answer)`.

A message is a notification row as a dict (channel, recipient, subject, body, ...,
plus `attachments`: [(filename, mime type, bytes)] and `html` for e-mail, and
`robot`: {url, secret} for a group robot, looked up as it is sent). Each
channel may also be used as a context manager around a batch, so that e-mail
reuses one SMTP session and HTTP channels one keep-alive connection.
"""
import abc
import logging
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import requests

from . import logic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    transient: bool = False  # worth trying again later
    provider_answer: str = ""


class Channel(abc.ABC):
    """The one small interface every channel implements: send a message, answer a
    DeliveryResult."""

    name = ""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):  # noqa: B027 — most channels keep nothing open between messages
        """End the batch: release connections kept for it."""

    @abc.abstractmethod
    def send(self, message):
        """Deliver one notification row; a DeliveryResult says how it went."""


class InboxChannel(Channel):
    """The in-portal inbox: the notification row is the message, so writing it
    delivered it; nothing is queued."""

    name = logic.INBOX

    def send(self, message):
        return DeliveryResult(True, False, "stored in the inbox")


class Unconfigured(Channel):
    """A channel whose provider is not configured: its messages fail at once, the
    log saying which variable is missing (retrying cannot help)."""

    def __init__(self, name, variable):
        self.name, self.variable = name, variable

    def send(self, message):
        return DeliveryResult(False, False, f"{self.name} is not configured ({self.variable})")


class EmailChannel(Channel):
    """E-mail over SMTP: LUOSHI_SMTP_HOST, _PORT, _SECURITY (none, starttls, ssl),
    _USER, _PASSWORD, _FROM, _TIMEOUT."""

    name = logic.EMAIL

    def __init__(self, host, port=25, security="none", user=None, password=None,
                 sender="luoshi@localhost", timeout=30):
        if security not in ("none", "starttls", "ssl"):
            raise ValueError("LUOSHI_SMTP_SECURITY is none, starttls or ssl")
        self.host, self.port, self.security = host, int(port), security
        self.user, self.password, self.sender = user, password, sender
        self.timeout = float(timeout)
        self._smtp = None

    def _connect(self):
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                smtp.starttls(context=context)
        if self.user:
            smtp.login(self.user, self.password or "")
        return smtp

    def close(self):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def compose(self, message):
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = formataddr((message.get("recipient_name") or "", message["recipient"]))
        mail["Subject"] = message["subject"]
        mail["Message-ID"] = make_msgid(domain="luoshi")
        mail["X-Luoshi-Notification"] = str(message["id"])
        mail.set_content(message["body"])
        if message.get("html"):
            mail.add_alternative(message["html"], subtype="html")
        for filename, mime, content in message.get("attachments") or ():
            maintype, subtype = mime.split("/", 1)
            mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        return mail

    def send(self, message):
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(self.compose(message))
        except smtplib.SMTPRecipientsRefused as error:
            return DeliveryResult(False, False, _smtp_answer(error.recipients))
        except smtplib.SMTPResponseException as error:
            self.close()
            # 4xx is "try again later" in SMTP, 5xx is final.
            return DeliveryResult(False, 400 <= error.smtp_code < 500,
                                  f"{error.smtp_code} {_text(error.smtp_error)}")
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return DeliveryResult(False, True, f"{type(error).__name__}: {error}")
        if refused:
            return DeliveryResult(False, False, _smtp_answer(refused))
        return DeliveryResult(True, False, "250 accepted")


def _text(value):
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _smtp_answer(refused):
    return "; ".join(f"{address}: {code} {_text(text)}"
                     for address, (code, text) in refused.items())


class HttpChannel(Channel):
    """A channel that POSTs to an HTTP endpoint: 2xx is delivered, 408, 429 and
    5xx or no answer are transient, any other status is final."""

    def __init__(self, timeout=10):
        self.timeout = float(timeout)
        self._session = None

    @property
    def session(self):
        if self._session is None:
            self._session = requests.Session()
        return self._session

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None

    def post(self, url, data, headers, auth=None, success_text=None, judge=None):
        """POST and judge the answer; `judge(text) -> (ok, transient)` reads a 2xx
        answer's body where the provider puts its verdict there."""
        try:
            response = self.session.post(url, data=data, headers=headers, auth=auth,
                                         timeout=self.timeout)
        except requests.RequestException as error:
            return DeliveryResult(False, True, f"{type(error).__name__}: {error}")
        answer = f"{response.status_code} {response.text[:1000]}".strip()
        if 200 <= response.status_code < 300:
            if success_text and success_text not in response.text:
                # Many SMS gateways answer 200 with an error code in the body.
                return DeliveryResult(False, False, answer)
            if judge is not None:
                return DeliveryResult(*judge(response.text), answer)
            return DeliveryResult(True, False, answer)
        transient = response.status_code in (408, 429) or response.status_code >= 500
        return DeliveryResult(False, transient, answer)


DEFAULT_SMS_TEMPLATE = '{"to": {{ phone|tojson }}, "text": {{ text|tojson }}}'


class SmsChannel(HttpChannel):
    """SMS through an HTTP gateway: LUOSHI_SMS_URL, LUOSHI_SMS_USER and
    LUOSHI_SMS_PASSWORD (basic auth) or LUOSHI_SMS_TOKEN (bearer),
    LUOSHI_SMS_TEMPLATE (the request body, a Jinja2 template of `phone`, `text`,
    `subject` and `id`), LUOSHI_SMS_CONTENT_TYPE and LUOSHI_SMS_SUCCESS_TEXT (text
    the provider's answer must contain to count as accepted)."""

    name = logic.SMS

    def __init__(self, url, template=DEFAULT_SMS_TEMPLATE, content_type="application/json",
                 user=None, password=None, token=None, success_text=None, timeout=10):
        super().__init__(timeout)
        self.url, self.template, self.content_type = url, template, content_type
        self.auth = (user, password or "") if user else None
        self.token, self.success_text = token, success_text
        logic.render(template, {"phone": "1", "text": "t", "subject": "s", "id": 1})

    def send(self, message):
        body = logic.render(self.template, {
            "phone": message["recipient"], "text": message["body"],
            "subject": message.get("subject") or "", "id": message["id"]})
        headers = {"Content-Type": self.content_type}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.post(self.url, body.encode(), headers, self.auth, self.success_text)


class WebhookChannel(HttpChannel):
    """Signed JSON POSTs to the message's recipient URL (see docs/webhooks.md):
    LUOSHI_WEBHOOK_SECRET keys the signature."""

    name = logic.WEBHOOK

    def __init__(self, secret, timeout=10, clock=time.time):
        super().__init__(timeout)
        self.secret, self.clock = secret, clock

    def send(self, message):
        body = logic.webhook_body(message)
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Luoshi-Timestamp": timestamp,
            "X-Luoshi-Signature": logic.sign_webhook(self.secret, timestamp, body),
            "X-Luoshi-Notification": str(message["id"]),
        }
        return self.post(message["recipient"], body, headers)


class RobotChannel(HttpChannel):
    """A chat group's robot: markdown POSTed to its webhook address, which the
    message carries as `robot` {url, secret}; an answer {"errcode": 0} is
    delivered (docs/configuration.md). The address holds the robot's key, so
    the answer kept in the log is cleared of it."""

    def __init__(self, portal_url=None, timeout=10):
        super().__init__(timeout)
        self.portal_url = portal_url

    def address(self, robot):
        """(the URL to POST to, the secrets an answer must not repeat)."""
        return robot["url"], [logic.robot_token(robot["url"])]

    @abc.abstractmethod
    def body(self, message):
        """The JSON document (bytes) the vendor's robot reads."""

    def send(self, message):
        robot = message.get("robot")
        if not robot:
            # Removed after the message was queued: nobody to send it to.
            return DeliveryResult(False, False,
                                  f"no {self.name} robot for {message['recipient']}")
        url, secrets = self.address(robot)
        result = self.post(url, self.body(message),
                           {"Content-Type": "application/json; charset=utf-8"},
                           judge=logic.robot_outcome)
        return DeliveryResult(result.ok, result.transient,
                              logic.redact(result.provider_answer, secrets))


class HiddenRobotTokens(logging.Filter):
    """Clears robots' tokens and signatures from what urllib3 logs of a request
    line at DEBUG (LUOSHI_LOG_LEVEL=DEBUG): the address is the robot's key."""

    PATTERN = re.compile(r"((?:access_token|key|sign)=)[^&\s\"']+")

    def filter(self, record):
        message = record.getMessage()
        cleared = self.PATTERN.sub(r"\1***", message)
        if cleared != message:
            record.msg, record.args = cleared, ()
        return True


def hide_robot_tokens(logger=logging.getLogger("urllib3.connectionpool")):
    """Install HiddenRobotTokens on `logger` once."""
    if not any(isinstance(existing, HiddenRobotTokens) for existing in logger.filters):
        logger.addFilter(HiddenRobotTokens())


class DingTalkChannel(RobotChannel):
    """A DingTalk (钉钉) custom robot; with a secret (加签) each POST carries its
    timestamp and signature."""

    name = logic.DINGTALK

    def __init__(self, portal_url=None, timeout=10, clock=time.time):
        super().__init__(portal_url, timeout)
        self.clock = clock

    def address(self, robot):
        secret = robot.get("secret")
        if not secret:
            return super().address(robot)
        timestamp = int(self.clock() * 1000)
        return (logic.dingtalk_url(robot["url"], secret, timestamp),
                [logic.robot_token(robot["url"]), secret,
                 logic.dingtalk_sign(secret, timestamp)])

    def body(self, message):
        return logic.dingtalk_body(message, self.portal_url)


class WeComChannel(RobotChannel):
    """A WeCom (企业微信) group robot: its key, in the address, is its only secret."""

    name = logic.WECOM

    def body(self, message):
        return logic.wecom_body(message, self.portal_url)


def channels_from_config(config):
    """{channel name: Channel factory} from the LUOSHI_* config; a factory makes a
    fresh channel for each batch (channels keep connections)."""
    get = config.get
    factories = {}
    if get("LUOSHI_SMTP_HOST"):
        factories[logic.EMAIL] = lambda: EmailChannel(
            get("LUOSHI_SMTP_HOST"), get("LUOSHI_SMTP_PORT") or 25,
            (get("LUOSHI_SMTP_SECURITY") or "none").lower(), get("LUOSHI_SMTP_USER"),
            get("LUOSHI_SMTP_PASSWORD"), get("LUOSHI_SMTP_FROM") or "luoshi@localhost",
            get("LUOSHI_SMTP_TIMEOUT") or 30)
    else:
        factories[logic.EMAIL] = lambda: Unconfigured(logic.EMAIL, "LUOSHI_SMTP_HOST")
    if get("LUOSHI_SMS_URL"):
        factories[logic.SMS] = lambda: SmsChannel(
            get("LUOSHI_SMS_URL"), get("LUOSHI_SMS_TEMPLATE") or DEFAULT_SMS_TEMPLATE,
            get("LUOSHI_SMS_CONTENT_TYPE") or "application/json", get("LUOSHI_SMS_USER"),
            get("LUOSHI_SMS_PASSWORD"), get("LUOSHI_SMS_TOKEN"),
            get("LUOSHI_SMS_SUCCESS_TEXT"), get("LUOSHI_SMS_TIMEOUT") or 10)
    else:
        factories[logic.SMS] = lambda: Unconfigured(logic.SMS, "LUOSHI_SMS_URL")
    if get("LUOSHI_WEBHOOK_SECRET"):
        factories[logic.WEBHOOK] = lambda: WebhookChannel(get("LUOSHI_WEBHOOK_SECRET"))
    else:
        factories[logic.WEBHOOK] = lambda: Unconfigured(logic.WEBHOOK, "LUOSHI_WEBHOOK_SECRET")
    # Robots need no provider of ours: each message carries its group's address.
    hide_robot_tokens()
    factories[logic.DINGTALK] = lambda: DingTalkChannel(
        get("LUOSHI_PORTAL_URL"), get("LUOSHI_ROBOT_TIMEOUT") or 10)
    factories[logic.WECOM] = lambda: WeComChannel(
        get("LUOSHI_PORTAL_URL"), get("LUOSHI_ROBOT_TIMEOUT") or 10)
    return factories
