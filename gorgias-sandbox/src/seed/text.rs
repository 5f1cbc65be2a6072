//! Word pools for realistic-looking generated records.

/// First names.
pub const FIRST: &[&str] = &[
    "Alice",
    "Bruno",
    "Chloé",
    "Daniel",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Inès",
    "Jamal",
    "Kenji",
    "Laura",
    "Mateo",
    "Nora",
    "Oscar",
    "Priya",
    "Quentin",
    "Rosa",
    "Samuel",
    "Tara",
    "Umar",
    "Valentina",
    "William",
    "Xinyi",
    "Yusuf",
    "Zoé",
    "Amélie",
    "Björn",
    "Carmen",
    "Dmitri",
];

/// Last names.
pub const LAST: &[&str] = &[
    "Martin",
    "Smith",
    "García",
    "Müller",
    "Rossi",
    "Dubois",
    "Nakamura",
    "Johnson",
    "Kowalski",
    "Silva",
    "Nguyen",
    "O'Brien",
    "Petrov",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Okafor",
    "Schmidt",
    "Tanaka",
    "Williams",
    "Bernard",
    "Costa",
    "Fischer",
    "Ivanova",
    "Jensen",
];

/// Email domains of customers.
pub const DOMAINS: &[&str] = &[
    "example.com",
    "mail.example.org",
    "shop.example.net",
    "customers.example.io",
];

/// Ticket subjects.
pub const SUBJECTS: &[&str] = &[
    "Where is my order?",
    "Refund request for order #{n}",
    "Wrong size received",
    "Damaged item in my package",
    "Question about shipping to Canada",
    "Can I change my delivery address?",
    "Discount code not working",
    "Cancel my subscription",
    "Exchange for a different color",
    "Product question: is it waterproof?",
    "Order #{n} arrived late",
    "Invoice needed for order #{n}",
    "Missing item in my order",
    "Feedback about your support",
    "Wholesale inquiry",
];

/// Customer message bodies.
pub const CUSTOMER_BODIES: &[&str] = &[
    "Hi, I ordered last week and still have not received anything. Can you check order #{n}?",
    "Hello, the item arrived damaged. I attached a photo. What are my options?",
    "I would like to return my order #{n} and get a refund please.",
    "Is it possible to change the shipping address? I moved recently.",
    "The discount code WELCOME10 does not work at checkout.",
    "Thanks a lot for the quick answer, that solves it!",
    "Bonjour, je n'ai pas reçu ma commande #{n}. Pouvez-vous vérifier ?",
    "Could you tell me when the blue version will be back in stock?",
    "I was charged twice for the same order, please help.",
    "Can I get an invoice with my company name on it?",
];

/// Agent message bodies.
pub const AGENT_BODIES: &[&str] = &[
    "Hi {name}, thanks for reaching out! I checked order #{n}: it is on its way and should arrive within 2 business days.",
    "Hello {name}, I'm sorry to hear that. I have issued a full refund, you will see it in 5-7 days.",
    "Hi {name}, I updated the shipping address for you. Anything else I can help with?",
    "Hey {name}, the code is now fixed, please try again and let me know.",
    "Hi {name}, here is your invoice. Have a great day!",
    "Hello {name}, a replacement has been sent today, tracking number to follow.",
    "Hi {name}, the blue version is expected back in stock next week.",
];

/// Tag names.
pub const TAGS: &[&str] = &[
    "refund",
    "shipping",
    "vip",
    "urgent",
    "order-status",
    "damaged",
    "exchange",
    "feedback",
    "billing",
    "wholesale",
    "subscription",
    "international",
    "warranty",
    "bug",
    "discount",
];

/// Tag colors.
pub const COLORS: &[&str] = &[
    "#F58D86", "#FEC96B", "#8CD4B4", "#7FB8E6", "#C59BE8", "#9CA3AF",
];

/// Team names.
pub const TEAMS: &[&str] = &[
    "Support",
    "Billing",
    "VIP Care",
    "Returns",
    "Escalations",
    "Night shift",
];

/// Emojis for teams and views.
pub const EMOJIS: &[&str] = &["🎧", "💳", "⭐", "📦", "🔥", "🌙", "📬", "🚨"];

/// Macro names.
pub const MACROS: &[&str] = &[
    "Where is my order",
    "Refund issued",
    "Address change confirmed",
    "Discount code fixed",
    "Send invoice",
    "Replacement shipped",
    "Back in stock soon",
    "Close: no reply",
    "Ask for photo of damage",
    "Subscription cancelled",
    "Wholesale form",
    "Thank you for feedback",
];

/// Macro intents.
pub const INTENTS: &[&str] = &[
    "shipping/status",
    "refund/request",
    "order/change",
    "discount/request",
    "other/thanks",
    "product/question",
];

/// Rule names.
pub const RULES: &[&str] = &[
    "Auto-tag refund requests",
    "Assign VIP customers",
    "Auto-close spam",
    "Tag shipping questions",
    "Escalate angry customers",
    "Route French tickets",
    "Snooze after reply",
];

/// Languages (some customers and tickets have none).
pub const LANGUAGES: &[&str] = &["en", "en", "en", "fr", "de", "es", "it"];

/// Time zones.
pub const TIMEZONES: &[&str] = &[
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Europe/Berlin",
];

/// Countries (ISO 3166-1 alpha-2).
pub const COUNTRIES: &[&str] = &["US", "FR", "DE", "GB", "CA", "ES", "JP"];
