import { z } from 'zod';
import type { VendorAdapterModule } from '../../core/adapter.ts';

const settingsSchema = z.object({ baseUrl: z.string().url() });

export const incocloudAdapterModule: VendorAdapterModule<z.infer<typeof settingsSchema>> = {
  settingsSchema,
  createAdapter: () => ({ vendor: 'incocloud', currency: 'EUR', sources: {} }),
  demoSettings: (simulatorUrl) => ({ baseUrl: simulatorUrl }),
};
