import { z } from 'zod';
import type { VendorAdapterModule } from '../../core/adapter.ts';

const settingsSchema = z.object({ baseUrl: z.string().url() });

export const tactillAdapterModule: VendorAdapterModule<z.infer<typeof settingsSchema>> = {
  settingsSchema,
  createAdapter: () => ({ vendor: 'tactill', currency: 'EUR', sources: {} }),
  demoSettings: (simulatorUrl) => ({ baseUrl: simulatorUrl }),
};
