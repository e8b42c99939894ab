/**
 * What `npm run simulate` does: a believable, never-ending mix of the five
 * event families, raised the way the backend services would raise them:
 * through the public mutations, with a service token. A login service reports
 * sessions, the firewall, WAF, DLP and API gateway raise alerts, the gateway
 * files and blocks tool access, the recovery service opens requests, and IAM
 * publishes RBAC events. Decisions that need a person (acknowledging, granting,
 * approving) are left to whoever watches the dashboard.
 */

import { seededRandom } from '../util/random.js';

/** One mutation the simulation sends, and a line to log for it. */
export interface Step {
  readonly family: 'alert' | 'session' | 'tool' | 'recovery' | 'rbac';
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** e.g. `HIGH BRUTE_FORCE 12 failed sign-ins for alice in 2 minutes`. */
  readonly summary: string;
}

/** The people events are about. alice appears most, so her own view is lively; carol is a custodian. */
const USERS = ['alice', 'alice', 'bob', 'chen', 'dmitri', 'eve', 'farah'] as const;
const CUSTODIANS = ['carol', 'dave', 'grace'] as const;
const TOOLS = ['billing-admin', 'customer-export', 'prod-db-console', 'payroll', 'feature-flags'] as const;
const DATA_POINTS = ['email', 'iban', 'address', 'phone', 'salary', 'order-history'] as const;
const PLACES = [
  ['Berlin', '10.20.4.17'],
  ['Lisbon', '10.20.9.3'],
  ['Toronto', '172.16.8.40'],
  ['Singapore', '172.16.30.2'],
  ['São Paulo', '192.168.77.5'],
  ['Nairobi', '10.31.2.90'],
] as const;
const DEVICES = [
  ['laptop', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/17.5'],
  ['laptop', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36'],
  ['phone', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148'],
  ['tablet', 'Mozilla/5.0 (Linux; Android 14; Pixel Tablet) Chrome/126.0 Safari/537.36'],
] as const;

const RAISE_ALERT = `mutation Raise($input: RaiseAlertInput!) { raiseAlert(input: $input) { id } }`;
const REPORT_SESSION = `mutation Report($input: ReportSessionInput!) { reportSession(input: $input) { id } }`;
const REQUEST_TOOL = `mutation Request($input: ToolAccessInput!) { requestToolAccess(input: $input) { id } }`;
const BLOCK_TOOL = `mutation Block($input: ToolAccessInput!) { blockToolAccess(input: $input) { id } }`;
const REQUEST_RECOVERY = `mutation Recover($input: RequestRecoveryInput!) { requestRecovery(input: $input) { id } }`;
const PUBLISH_RBAC = `mutation Rbac($input: PublishRbacEventInput!) { publishRbacEvent(input: $input) { id } }`;

type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/**
 * An endless generator of steps. It remembers the sessions it opened so it
 * can close them, like a real login service would.
 */
export function* scenario(random: () => number): Generator<Step> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const hex = (length: number) =>
    Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
  const openSessions: { sessionId: string; userId: string; device: Record<string, string> }[] = [];

  const alert = (severity: Severity, type: string, message: string, rest: Record<string, unknown>): Step => ({
    family: 'alert',
    query: RAISE_ALERT,
    variables: { input: { type, severity, message, ...rest } },
    summary: `${severity} ${type} ${message}`,
  });

  const alerts: (() => Step)[] = [
    () => {
      const user = pick(USERS);
      const [, ip] = pick(PLACES);
      const attempts = between(6, 40);
      return alert(
        attempts > 25 ? 'HIGH' : 'MEDIUM',
        'BRUTE_FORCE',
        `${attempts} failed sign-ins for ${user} in 2 minutes`,
        {
          userId: user,
          source: 'fire_wall',
          identifier: ip,
          mitigation: 'IP blocked for 1 h',
          details: { attempts },
        },
      );
    },
    () => {
      const user = pick(USERS);
      const [city, ip] = pick(PLACES);
      return alert('MEDIUM', 'SUSPICIOUS_LOGIN', `Sign-in for ${user} from a new location: ${city}`, {
        userId: user,
        source: 'login-service',
        identifier: ip,
        mitigation: 'Step-up verification required',
      });
    },
    () => {
      const user = pick(USERS);
      const records = between(800, 12_000);
      return alert(
        'HIGH',
        'DATA_ACCESS_VIOLATION',
        `${user} exported ${records.toLocaleString('en-US')} customer records`,
        {
          userId: user,
          source: 'dlp',
          identifier: 'customer-export',
          details: { records },
        },
      );
    },
    () => {
      const user = pick(USERS);
      const tool = pick(TOOLS);
      return alert('LOW', 'TOOL_ACCESS_BLOCKED', `${user} was refused ${tool}: no grant`, {
        userId: user,
        source: 'api-gateway',
        identifier: tool,
      });
    },
    () => {
      const rate = between(18, 90);
      return alert(
        'CRITICAL',
        'DDOS',
        `${rate}k requests/s on /login from ${between(300, 4000).toLocaleString('en-US')} addresses`,
        {
          source: 'waf',
          identifier: '/login',
          mitigation: 'Rate limit raised at the edge',
          details: { requestsPerSecond: rate * 1000 },
        },
      );
    },
    () => {
      const user = pick(USERS);
      const [, ip] = pick(PLACES);
      return alert('CRITICAL', 'TOKEN_REPLAY', `A token of ${user} was replayed from two addresses`, {
        userId: user,
        source: 'api-gateway',
        identifier: ip,
        mitigation: 'All sessions of the user revoked',
      });
    },
    () => {
      const key = pick(['ci-bot', 'partner-acme', 'mobile-app']);
      return alert(
        pick(['LOW', 'MEDIUM'] as const),
        'API_ABUSE',
        `Scraping pattern on /api/search by key ${key}`,
        {
          source: 'api-gateway',
          identifier: key,
          mitigation: 'Key throttled to 10 requests/s',
        },
      );
    },
    () => {
      const user = pick(USERS);
      return alert('HIGH', 'PRIVILEGE_ESCALATION', `${user} was given admin outside the change window`, {
        userId: user,
        source: 'iam',
        identifier: user,
      });
    },
    () =>
      alert('LOW', 'OTHER', `TLS certificate for vpn.internal expires in ${between(3, 14)} days`, {
        source: 'cert-monitor',
        identifier: 'vpn.internal',
      }),
  ];
  // Most alerts are routine; a CRITICAL one is rare enough to stand out.
  const alertWeights = [5, 5, 2, 4, 1, 1, 3, 1, 2];

  const session = (): Step => {
    const closing = openSessions.length > 0 && (openSessions.length > 6 || random() < 0.4);
    if (closing) {
      const [open] = openSessions.splice(Math.floor(random() * openSessions.length), 1);
      if (open) {
        return {
          family: 'session',
          query: REPORT_SESSION,
          variables: {
            input: {
              sessionId: open.sessionId,
              userId: open.userId,
              status: 'DISCONNECTED',
              device: open.device,
            },
          },
          summary: `DISCONNECTED ${open.userId} ${open.sessionId}`,
        };
      }
    }
    const userId = pick(USERS);
    const [location, ip] = pick(PLACES);
    const [deviceType, userAgent] = pick(DEVICES);
    const device = { ip, location, deviceType, userAgent };
    const sessionId = `s-${hex(8)}`;
    openSessions.push({ sessionId, userId, device });
    return {
      family: 'session',
      query: REPORT_SESSION,
      variables: { input: { sessionId, userId, status: 'CONNECTED', device } },
      summary: `CONNECTED ${userId} ${sessionId} (${deviceType}, ${location})`,
    };
  };

  const tool = (): Step => {
    const userId = pick(USERS);
    const toolId = pick(TOOLS);
    const dataPoints = [pick(DATA_POINTS), pick(DATA_POINTS)].filter((v, i, all) => all.indexOf(v) === i);
    if (random() < 0.35) {
      return {
        family: 'tool',
        query: BLOCK_TOOL,
        variables: { input: { toolId, userId, dataPoints, reason: 'Outside working hours' } },
        summary: `BLOCKED ${userId} ${toolId}`,
      };
    }
    return {
      family: 'tool',
      query: REQUEST_TOOL,
      variables: {
        input: { toolId, userId, dataPoints, reason: pick(['Quarterly audit', 'Support ticket', 'On call']) },
      },
      summary: `REQUESTED ${userId} ${toolId}`,
    };
  };

  const recovery = (): Step => {
    const userId = pick(USERS);
    const byCustodians = random() < 0.7;
    const custodians = byCustodians ? ['carol', pick(CUSTODIANS.filter((c) => c !== 'carol'))] : [];
    const input = byCustodians
      ? { userId, method: 'CUSTODIAN', custodians, threshold: between(1, 2) }
      : { userId, method: pick(['EMAIL', 'SMS', 'HARDWARE_KEY']) };
    return {
      family: 'recovery',
      query: REQUEST_RECOVERY,
      variables: { input },
      summary: `PENDING ${userId} ${input.method}${custodians.length ? ` (custodians ${custodians.join(', ')})` : ''}`,
    };
  };

  const rbacTemplates: (() => Record<string, unknown>)[] = [
    () => {
      const userId = pick(USERS);
      const roleName = pick(['auditor', 'support-agent', 'billing-viewer']);
      return { type: 'ROLE_ASSIGNED', userId, roleName, message: `${roleName} assigned to ${userId}` };
    },
    () => {
      const userId = pick(USERS);
      const roleName = pick(['auditor', 'support-agent']);
      return { type: 'ROLE_REVOKED', userId, roleName, message: `${roleName} revoked from ${userId}` };
    },
    () => {
      const userId = pick(USERS);
      const resource = pick(['/admin/billing', '/admin/users', '/reports/salaries']);
      return {
        type: 'ACCESS_DENIED',
        userId,
        resource,
        action: 'read',
        securityLevel: 'MEDIUM',
        message: `${userId} was denied read on ${resource}`,
      };
    },
    () => {
      const userId = pick(USERS);
      return {
        type: 'SECURITY_VIOLATION',
        userId,
        resource: 'prod-db-console',
        action: 'write',
        securityLevel: 'HIGH',
        message: `${userId} tried to write to production outside a change ticket`,
      };
    },
    () => {
      const userId = pick(USERS);
      return {
        type: 'SUSPICIOUS_ACTIVITY',
        userId,
        securityLevel: 'MEDIUM',
        message: `${userId} listed 40 user profiles in a minute`,
      };
    },
    () => ({
      type: 'POLICY_UPDATED',
      resource: 'password-policy',
      securityLevel: 'LOW',
      message: 'Password policy: minimum length raised to 14',
    }),
    () => {
      const userId = pick(USERS);
      return {
        type: 'PERMISSION_GRANTED',
        userId,
        resource: 'reports',
        action: 'export',
        message: `${userId} may now export reports`,
      };
    },
  ];

  const rbac = (): Step => {
    const input = pick(rbacTemplates)();
    return {
      family: 'rbac',
      query: PUBLISH_RBAC,
      variables: { input },
      summary: `${input.type} ${input.message}`,
    };
  };

  const weighted = <T>(items: readonly T[], weights: readonly number[]): T => {
    const total = weights.reduce((sum, w) => sum + w, 0);
    let roll = random() * total;
    for (const [i, item] of items.entries()) {
      roll -= weights[i] ?? 0;
      if (roll < 0) return item;
    }
    return items[items.length - 1] as T;
  };

  const families: (() => Step)[] = [() => weighted(alerts, alertWeights)(), session, tool, recovery, rbac];
  // Start with one of each family, so every tab has something from the first seconds.
  for (const family of families) yield family();
  for (;;) yield weighted(families, [35, 25, 15, 10, 15])();
}

/** Options of a simulation run. */
export interface SimulationOptions {
  /** The server, e.g. `http://localhost:4000`. */
  url: string;
  /** A service (or admin) token. */
  token: string;
  /** Average pause between events, in ms (each pause is 50 % to 150 % of it). */
  intervalMs: number;
  /** Events sent quickly at the start, so the dashboard fills at once. */
  burst: number;
  /** Stop after this many events; unset: run until aborted. */
  count?: number | undefined;
  /** Decides which events are sent, so a run can be repeated. */
  seed: number;
  signal?: AbortSignal | undefined;
  /** Called once per event sent (or failed). */
  log?: (line: string) => void;
}

/** The outcome of a finished run. */
export interface SimulationResult {
  sent: number;
  failed: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Sends the scenario's steps to the server until `count` is reached or
 * `signal` aborts. A refused or failed call is logged and the run goes on
 * (the server may be restarting); it backs off while calls keep failing.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const random = seededRandom(options.seed);
  const steps = scenario(random);
  const result: SimulationResult = { sent: 0, failed: 0 };
  let failuresInARow = 0;
  for (let n = 0; options.count === undefined || n < options.count; n++) {
    if (options.signal?.aborted) break;
    const step = steps.next().value as Step;
    try {
      const response = await fetch(new URL('/graphql', options.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ query: step.query, variables: step.variables }),
        signal: options.signal ?? null,
      });
      const body = (await response.json()) as { errors?: { message: string }[] };
      if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
      result.sent++;
      failuresInARow = 0;
      options.log?.(`${step.family.padEnd(8)} ${step.summary}`);
    } catch (error) {
      if (options.signal?.aborted) break;
      result.failed++;
      failuresInARow++;
      options.log?.(
        `${step.family.padEnd(8)} FAILED: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const pause =
      failuresInARow > 0
        ? Math.min(30_000, 1000 * 2 ** Math.min(failuresInARow, 5))
        : n < options.burst
          ? options.intervalMs / 10
          : // Jitter from its own source, so the seed alone decides which events are sent.
            options.intervalMs * (0.5 + Math.random());
    await sleep(pause, options.signal);
  }
  return result;
}
