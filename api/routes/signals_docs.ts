/** OpenAPI documentation of the signal routes. */
import { z } from "zod";
import { SIGNAL_TYPES } from "../../events/mod.ts";
import type { RouteDoc } from "../openapi.ts";
import {
  ErrorRow,
  pageOf,
  PowerBucketRow,
  RawEvent,
  RawMetadata,
  SensorRow,
  StateChangeRow,
  XrayDetail,
  XrayRow,
} from "../schemas.ts";
import { LatestQuery, SignalQuery } from "../signal_query.ts";

const TypeParam = z.object({
  type: z.enum(SIGNAL_TYPES).meta({ description: "Signal type" }),
});
const IdParams = TypeParam.extend({
  id: z.string().meta({
    description:
      "Event id (uuid); for power, a bucket id (machineId@start[~size]). Raw routes also take a stream sequence",
  }),
});
const AnyRow = z.union([StateChangeRow, ErrorRow, PowerBucketRow, SensorRow, XrayRow]);

/** Docs of every route under /signals. */
export function signalDocs(): RouteDoc[] {
  return [
    {
      method: "get",
      path: "/signals/{type}",
      summary: "Signals in a time window, keyset-paginated; power as buckets",
      tag: "signals",
      auth: "read",
      params: TypeParam,
      query: SignalQuery,
      responses: { 200: { description: "A page of records", schema: pageOf(AnyRow), csv: true } },
      errors: [400, 404, 503],
    },
    {
      method: "get",
      path: "/signals/{type}/latest",
      summary: "The newest records, newest first",
      tag: "signals",
      auth: "read",
      params: TypeParam,
      query: LatestQuery,
      responses: { 200: { description: "The newest records", schema: pageOf(AnyRow), csv: true } },
      errors: [400, 404, 503],
    },
    {
      method: "get",
      path: "/signals/{type}/{id}",
      summary: "One record; an x-ray scan includes its data points from the raw event",
      tag: "signals",
      auth: "read",
      params: IdParams,
      responses: { 200: { description: "The record", schema: z.union([AnyRow, XrayDetail]) } },
      errors: [400, 404, 503],
    },
    {
      method: "get",
      path: "/signals/{type}/{id}/raw",
      summary: "The event exactly as stored in the stream",
      tag: "signals",
      auth: "read",
      params: IdParams,
      responses: {
        200: { description: "The stored event", schema: RawEvent, bytes: true },
      },
      errors: [400, 404, 503],
    },
    {
      method: "get",
      path: "/signals/{type}/{id}/raw/metadata",
      summary: "Stream sequence, time, subject and headers of the stored event",
      tag: "signals",
      auth: "read",
      params: IdParams,
      responses: { 200: { description: "The stored event's metadata", schema: RawMetadata } },
      errors: [400, 404, 503],
    },
  ];
}
