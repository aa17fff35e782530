import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { getCart, placeOrder } from '../api.js';

export default function Cart() {
  const [items, setItems] = useState([]);
  const navigate = useNavigate();

  useEffect(() => {
    getCart().then((res) => setItems(res.data.items));
  }, []);

  const checkout = async () => {
    await placeOrder();
    navigate('/orders');
  };

  return (
    <section>
      <ul>
        {items.map((item) => (
          <li key={item.productId}>{item.productId} × {item.quantity}</li>
        ))}
      </ul>
      <button type="button" disabled={!items.length} onClick={checkout}>Place order</button>
    </section>
  );
}
