/** The Pawlens edge worker: wires middleware to routes. Everything else is served from build/web. */
import { Hono } from 'hono';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { AppEnv } from './env';
import { apiError, notFound, onError } from './errors';
import { feedback } from './feedback';
import { health } from './health';
import { metrics } from './metrics';
import { models } from './models';
import { performance } from './performance';
import { photos } from './photos';
import { rateLimitWrites } from './rate-limit';
import { requestLog } from './request-log';
import { review } from './review';
import { apiSecurityHeaders } from './security-headers';
import { telemetry } from './telemetry';

const app = new Hono<AppEnv>();

app.use('/api/*', requestLog);
app.use('/api/*', apiSecurityHeaders);
app.use(
  '/api/*',
  methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) => {
      c.header('allow', methods.join(', '));
      return apiError(c, 405, 'method_not_allowed', `${c.req.method} is not allowed here; use ${methods.join(', ')}`);
    }
  })
);

app.use('/api/*', rateLimitWrites);

app.route('/api', health);
app.route('/api', feedback);
app.route('/api', photos);
app.route('/api', telemetry);
app.route('/api', performance);
app.route('/api', metrics);
app.route('/api', models);
app.route('/api', review);

app.notFound(notFound);
app.onError(onError);

export default app;
