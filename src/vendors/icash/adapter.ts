import { z } from 'zod';
import type { VendorAdapterModule } from '../../core/adapter.ts';

const settingsSchema = z.object({ baseUrl: z.string().url() });

export const icashAdapterModule: VendorAdapterModule<z.infer<typeof settingsSchema>> = {
  settingsSchema,
  createAdapter: () => ({ vendor: 'icash', currency: 'EUR', sources: {} }),
  demoSettings: (simulatorUrl) => ({ baseUrl: simulatorUrl }),
};
