import { mix } from '../kommo/people';

/**
 * Short, realistic sales conversations built deterministically from a few templates:
 * an opening from the client, the manager's greeting, one or two qualification
 * exchanges, an offer, sometimes an objection, and one of four endings (agreed,
 * thinking it over, gone silent after a follow-up, lost to a competitor). Russian
 * clients get Russian templates, everyone else English. Nothing is stored: a chat's
 * messages are a pure function of (seed, chat id).
 */

export type Lang = 'en' | 'ru';
export type Outcome = 'agreed' | 'thinking' | 'silent' | 'lost';
export interface Line {
  from: 'client' | 'manager';
  text: string;
}
interface Vars {
  client: string;
  manager: string;
  product: string;
  price: string;
  team: number;
  day: string;
}

type T = (v: Vars) => string;
const TEMPLATES: Record<Lang, {
  products: string[];
  days: string[];
  openings: T[];
  greetings: T[];
  qualification: [T, T][];
  offers: T[];
  objections: [T, T][];
  endings: Record<Outcome, [Line['from'], T][]>;
}> = {
  en: {
    products: ['CRM setup', 'annual license', 'consulting package', 'onboarding', 'enterprise plan', 'support contract'],
    days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
    openings: [
      (v) => `Hello! I saw your ${v.product} on the website. How much does it cost?`,
      (v) => `Hi, is the ${v.product} still available? We need something for our sales team.`,
      (v) => `Good afternoon. A colleague recommended you. Can you tell me more about the ${v.product}?`,
      (v) => `Hi there, I filled in the form yesterday about the ${v.product} but nobody called back.`,
    ],
    greetings: [
      (v) => `Hello, ${v.client}! My name is ${v.manager}, I'll be glad to help.`,
      (v) => `Hi ${v.client}, this is ${v.manager}. Thanks for reaching out!`,
      (v) => `Good afternoon, ${v.client}. ${v.manager} here, sorry for the wait.`,
    ],
    qualification: [
      [(v) => `How many people will use it?`, (v) => `About ${v.team} managers, maybe more next quarter.`],
      [() => `When would you like to start?`, () => `Ideally next month, before the new season.`],
      [() => `Which CRM or tools do you use now?`, () => `Mostly spreadsheets and WhatsApp, it's getting messy.`],
      [() => `Do you need integration with your website or telephony?`, () => `Yes, the website form and our phone line.`],
    ],
    offers: [
      (v) => `For a team of ${v.team} the ${v.product} comes to ${v.price}. I can send a detailed proposal today.`,
      (v) => `Our standard price for that is ${v.price}; it includes setup and two weeks of support.`,
    ],
    objections: [
      [() => `That's more than we planned. Is there any discount?`, () => `We can offer 10% off with an annual contract.`],
      [() => `A competitor quoted us less.`, () => `I understand. Our price includes onboarding and support, which they charge extra for.`],
    ],
    endings: {
      agreed: [
        ['client', () => `OK, that works for us. Please send the contract.`],
        ['manager', (v) => `Great! Contract sent to your e-mail. I'll call you on ${v.day} to walk through it.`],
        ['client', () => `Thank you!`],
      ],
      thinking: [
        ['client', () => `I need to discuss it with my director first.`],
        ['manager', (v) => `Of course. I'll follow up on ${v.day}. Let me know if you have any questions.`],
      ],
      silent: [
        ['manager', () => `Just checking in — did you have a chance to look at the proposal?`],
        ['manager', () => `Hello again! Is the question still relevant for you?`],
      ],
      lost: [
        ['client', () => `Thanks, but we decided to go with another vendor.`],
        ['manager', () => `Thanks for letting us know. If anything changes, I'm always in touch.`],
      ],
    },
  },
  ru: {
    products: ['внедрение CRM', 'годовую лицензию', 'пакет консультаций', 'обучение команды', 'корпоративный тариф', 'техподдержку'],
    days: ['понедельник', 'вторник', 'среду', 'четверг', 'пятницу'],
    openings: [
      (v) => `Здравствуйте! Увидел на сайте ${v.product}. Сколько это стоит?`,
      (v) => `Добрый день, подскажите, ${v.product} ещё актуально? Нужно для отдела продаж.`,
      (v) => `Здравствуйте, вас посоветовали коллеги. Расскажите подробнее про ${v.product}?`,
      () => `Добрый день, вчера оставлял заявку на сайте, но мне так и не перезвонили.`,
    ],
    greetings: [
      (v) => `Здравствуйте, ${v.client}! Меня зовут ${v.manager}, с радостью помогу.`,
      (v) => `Добрый день, ${v.client}! Это ${v.manager}, спасибо за обращение.`,
    ],
    qualification: [
      [() => `Сколько человек будет работать в системе?`, (v) => `Около ${v.team} менеджеров, в следующем квартале больше.`],
      [() => `Когда планируете начать?`, () => `Хотелось бы в следующем месяце.`],
      [() => `Чем пользуетесь сейчас?`, () => `Таблицами и WhatsApp, уже неудобно.`],
    ],
    offers: [
      (v) => `Для команды из ${v.team} человек стоимость составит ${v.price}. Могу сегодня прислать коммерческое предложение.`,
      (v) => `Стандартная цена — ${v.price}, в неё входит настройка и две недели поддержки.`,
    ],
    objections: [
      [() => `Дороговато. Есть скидки?`, () => `При оплате за год можем дать скидку 10%.`],
      [() => `Конкуренты предложили дешевле.`, () => `Понимаю. В нашу цену уже входят внедрение и поддержка.`],
    ],
    endings: {
      agreed: [
        ['client', () => `Хорошо, нам подходит. Присылайте договор.`],
        ['manager', (v) => `Отлично! Договор отправил на почту, позвоню в ${v.day}.`],
        ['client', () => `Спасибо!`],
      ],
      thinking: [
        ['client', () => `Мне нужно обсудить с руководителем.`],
        ['manager', (v) => `Конечно. Я свяжусь с вами в ${v.day}.`],
      ],
      silent: [
        ['manager', () => `Добрый день! Удалось посмотреть предложение?`],
        ['manager', () => `Здравствуйте! Вопрос ещё актуален?`],
      ],
      lost: [
        ['client', () => `Спасибо, но мы выбрали другого подрядчика.`],
        ['manager', () => `Спасибо, что сообщили. Если что-то изменится — всегда на связи.`],
      ],
    },
  },
};

const OUTCOMES: Outcome[] = ['agreed', 'thinking', 'thinking', 'silent', 'lost', 'agreed'];

export function dialogOutcome(seed: number, chatId: number): Outcome {
  return OUTCOMES[mix(seed, chatId, 1) % OUTCOMES.length]!;
}

/** The lines of one conversation (without times). */
export function dialogLines(seed: number, chatId: number, lang: Lang, client: string, manager: string): Line[] {
  const t = TEMPLATES[lang];
  let salt = 10;
  const pick = <X>(items: readonly X[]): X => items[mix(seed, chatId, salt++) % items.length]!;
  const team = 3 + (mix(seed, chatId, 2) % 25);
  const amount = (20 + (mix(seed, chatId, 3) % 480)) * 100;
  const v: Vars = {
    client,
    manager,
    product: pick(t.products),
    price: lang === 'ru' ? `${(amount * 90).toLocaleString('ru-RU')} ₽` : `$${amount.toLocaleString('en-US')}`,
    team,
    day: pick(t.days),
  };
  const lines: Line[] = [
    { from: 'client', text: pick(t.openings)(v) },
    { from: 'manager', text: pick(t.greetings)(v) },
  ];
  const q = mix(seed, chatId, 4) % t.qualification.length;
  const qCount = 1 + (mix(seed, chatId, 5) % 2);
  for (let i = 0; i < qCount; i++) {
    const [ask, answer] = t.qualification[(q + i) % t.qualification.length]!;
    lines.push({ from: 'manager', text: ask(v) }, { from: 'client', text: answer(v) });
  }
  lines.push({ from: 'manager', text: pick(t.offers)(v) });
  if (mix(seed, chatId, 6) % 3 === 0) {
    const [objection, answer] = pick(t.objections);
    lines.push({ from: 'client', text: objection(v) }, { from: 'manager', text: answer(v) });
  }
  for (const [from, text] of t.endings[dialogOutcome(seed, chatId)]) lines.push({ from, text: text(v) });
  return lines;
}

/** Minutes between consecutive lines: quick replies from managers, slower clients, sometimes overnight. */
export function lineGapsMs(seed: number, chatId: number, lines: Line[]): number[] {
  return lines.map((line, i) => {
    if (i === 0) return 0;
    const r = mix(seed, chatId, 100 + i);
    if (line.from === 'manager' && lines[i - 1]!.from === 'client') return (2 + (r % 43)) * 60_000;
    if (line.from === 'manager') return (r % 4 === 0 ? 26 * 60 : 60 + (r % 240)) * 60_000; // follow-ups
    return (5 + (r % 175)) * 60_000 + (r % 7 === 0 ? 18 * 3_600_000 : 0);
  });
}
