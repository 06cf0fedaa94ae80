/** What a route is to the router: a request's handler, given the target the router read once. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestTarget } from '../http.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => void;

/** A WebSocket upgrade's handler, given the target the router read once. */
export type UpgradeHandler = (req: IncomingMessage, socket: Socket, head: Buffer, target: RequestTarget) => void;

/** Whether the relay is shutting down (routes answer 503 then). */
export type IsClosing = () => boolean;
