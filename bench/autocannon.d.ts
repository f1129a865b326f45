// Just the part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      path?: string;
    }
    interface Options {
      url: string;
      connections: number;
      duration: number;
      method: string;
      headers: Record<string, string>;
      requests: { setupRequest?: (req: Request) => Request }[];
    }
    interface Histogram {
      average: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
      max: number;
    }
    interface Result {
      requests: Histogram;
      latency: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
    }
  }
  function autocannon(opts: Partial<autocannon.Options> & { url: string }): Promise<autocannon.Result>;
  export default autocannon;
}
