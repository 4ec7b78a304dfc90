// Requests to the lab's own services, on 127.0.0.1. node:http rather than fetch: a
// fetch whose server accepts and never answers can leave nothing to keep the process
// alive (it then exits 13, mid-await); here the timer of the bound holds it.
// An https URL is a lab service with the lab's own self-signed certificate (the CSR
// simulator): like the driver that talks to it, this does not verify it.
import http from 'node:http';
import https from 'node:https';

export interface Answer {
  status: number;
  text: string;
}

export function get(url: string, timeoutMs = 4000): Promise<Answer> {
  return request('GET', url, undefined, timeoutMs);
}

/** One request with a JSON body (when given); any status is an answer, not an error. */
export function request(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 4000,
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const client = url.startsWith('https:') ? https : http;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = {
    ...extraHeaders,
    ...(payload === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => outgoing.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const outgoing = client.request(url, { method, headers, rejectUnauthorized: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, text });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(payload);
  });
}
